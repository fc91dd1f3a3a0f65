/// A sharded sweep as a SLURM array job: the batch script whose task k runs shard k of n (with `--resume`, into
/// one output directory, so a requeued or restarted task redoes no finished cell), and the batch script of the
/// collect job that waits for every task (`--dependency=afterok`) and joins the shards. The scripts name the
/// executable by its absolute path and carry the exact commands they run, so they can be read, kept and
/// resubmitted (`sbatch --array=3 SCRIPT` reruns task 3 alone).
public struct SlurmArrayJob: Sendable, Equatable {
    /// A value `sbatch` would refuse or a script could not carry safely.
    public struct InvalidOption: Error, CustomStringConvertible {
        public let description: String
    }

    /// The job name (`#SBATCH --job-name`); the collect job's is this with "-collect".
    public let jobName: String
    /// Array tasks, one per shard: task k runs `--shard k/tasks`.
    public let tasks: Int
    public let partition: String?
    /// Wall-clock limit per task, in one of sbatch's forms (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`, `D-HH:MM:SS`).
    public let time: String?
    public let cpusPerTask: Int
    /// Absolute paths: the directory the jobs run in, the log directory, and the executable.
    public let workingDirectory: String
    public let logDirectory: String
    public let executable: String
    /// The arguments of every task; the script appends `--shard $SLURM_ARRAY_TASK_ID/tasks --resume`.
    public let taskArguments: [String]
    /// The arguments of the collect job.
    public let collectArguments: [String]
    /// The file-name stem of the logs: `STEM.JOBID_TASK.log` and `STEM.collect.JOBID.log`.
    public let logStem: String

    public init(jobName: String, tasks: Int, partition: String? = nil, time: String? = nil, cpusPerTask: Int = 1,
                workingDirectory: String, logDirectory: String, executable: String,
                taskArguments: [String], collectArguments: [String], logStem: String) throws {
        guard tasks >= 1 else { throw InvalidOption(description: "--tasks must be at least 1, got \(tasks)") }
        guard cpusPerTask >= 1 else { throw InvalidOption(description: "--cpus-per-task must be at least 1, got \(cpusPerTask)") }
        if let partition, !Self.isPlainName(partition) {
            throw InvalidOption(description: "--partition '\(partition)' is not a partition name (letters, digits, '_', '-', '.'; a comma-separated list of them)")
        }
        if let time, !Self.isTimeLimit(time) {
            throw InvalidOption(description: "--time '\(time)' is not a SLURM time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)")
        }
        guard Self.isPlainName(jobName) else { throw InvalidOption(description: "job name '\(jobName)' holds characters a job name cannot") }
        for path in [workingDirectory, logDirectory, executable] where !path.hasPrefix("/") || path.contains("\n") {
            throw InvalidOption(description: "'\(path)' is not an absolute path on one line")
        }
        // `#SBATCH` lines are not shell words: a path there can hold no space or '%' (sbatch's filename patterns).
        for path in [workingDirectory, logDirectory] where path.contains(where: { $0 == " " || $0 == "%" || $0 == "\t" }) {
            throw InvalidOption(description: "'\(path)' holds a space or '%', which #SBATCH lines cannot carry; choose another directory")
        }
        self.jobName = jobName
        self.tasks = tasks
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.workingDirectory = workingDirectory
        self.logDirectory = logDirectory
        self.executable = executable
        self.taskArguments = taskArguments
        self.collectArguments = collectArguments
        self.logStem = logStem
    }

    /// The batch script of the array: `#SBATCH` lines, then the task's command.
    public var arrayScript: String {
        let command = ([ShellWord.quoted(executable)] + taskArguments.map(ShellWord.quoted)
                       + ["--shard", "\"${SLURM_ARRAY_TASK_ID}/\(tasks)\"", "--resume"]).joined(separator: " ")
        return """
        #!/bin/bash
        # \(tasks) array tasks; task k computes shard k/\(tasks) of the sweep and appends each finished cell to its
        # checkpoint at once. --resume skips the cells already there, so a requeued or restarted task (or one
        # resubmitted alone: sbatch --array=K this-script) redoes nothing.
        \(directives(name: jobName, output: "\(logDirectory)/\(logStem).%A_%a.log", array: true))
        set -euo pipefail
        : "${SLURM_ARRAY_TASK_ID:?this is a SLURM array job script: submit it with sbatch}"
        echo "task ${SLURM_ARRAY_TASK_ID}/\(tasks) of job ${SLURM_ARRAY_JOB_ID:-?} on $(hostname), ${SLURM_CPUS_PER_TASK:-?} CPUs, started $(date -u +%FT%TZ)"
        exec \(command)

        """
    }

    /// The batch script of the collect job: it joins the shards (and renders), to be submitted with
    /// `--dependency=afterok:ARRAYJOB`.
    public var collectScript: String {
        let command = ([ShellWord.quoted(executable)] + collectArguments.map(ShellWord.quoted)).joined(separator: " ")
        return """
        #!/bin/bash
        # Joins the \(tasks) shards once every array task has succeeded (submit with --dependency=afterok:ARRAYJOB);
        # it names the shards that are missing or incomplete otherwise.
        \(directives(name: jobName + "-collect", output: "\(logDirectory)/\(logStem).collect.%j.log", array: false))
        set -euo pipefail
        exec \(command)

        """
    }

    /// The shell line that submits the array script and then the collect script, dependent on it.
    public static func submitLine(arrayScript: String, collectScript: String) -> String {
        "jobid=$(sbatch --parsable \(ShellWord.quoted(arrayScript))) && sbatch --dependency=afterok:${jobid%%;*} \(ShellWord.quoted(collectScript))"
    }

    private func directives(name: String, output: String, array: Bool) -> String {
        var lines = ["--job-name=\(name)"]
        if array { lines.append("--array=1-\(tasks)") }
        lines += ["--ntasks=1", "--cpus-per-task=\(array ? cpusPerTask : 1)"]
        if let partition { lines.append("--partition=\(partition)") }
        if let time { lines.append("--time=\(time)") }
        lines += ["--chdir=\(workingDirectory)", "--output=\(output)", "--open-mode=append"]
        if array { lines.append("--requeue") }
        return lines.map { "#SBATCH " + $0 }.joined(separator: "\n")
    }

    /// Letters, digits, '_', '-', '.' (and commas between names): a job or partition name.
    static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.split(separator: ",", omittingEmptySubsequences: false).allSatisfy { part in
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) }
        }
    }

    /// sbatch's time-limit forms: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS, not all zero.
    public static func isTimeLimit(_ text: String) -> Bool {
        let numbers: (Substring) -> [Int]? = { part in
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.allSatisfy({ !$0.isEmpty && $0.count <= 6 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
            return fields.map { Int($0)! }
        }
        let dash = text.split(separator: "-", omittingEmptySubsequences: false)
        let values: [Int]
        switch dash.count {
        case 1:
            guard let clock = numbers(dash[0]), (1...3).contains(clock.count) else { return false }
            if clock.count >= 2, clock.last! >= 60 { return false }
            if clock.count == 3, clock[1] >= 60 { return false }
            values = clock
        case 2:
            guard let days = numbers(dash[0]), days.count == 1, let clock = numbers(dash[1]), (1...3).contains(clock.count) else { return false }
            if clock[0] >= 24 || clock.dropFirst().contains(where: { $0 >= 60 }) { return false }
            values = days + clock
        default:
            return false
        }
        return values.contains { $0 > 0 }
    }
}
