import ArgumentParser
import Foundation
import GnuplotIO
import Studies

/// `curldyn figure NAME --slurm`: the options of the array job.
struct SlurmOptions: ParsableArguments {
    @Flag(help: "Write a SLURM array job (OUT/NAME.sbatch) and its collect job (OUT/NAME.collect.sbatch); print the sbatch line.") var slurm = false
    @Option(parsing: .unconditional, help: "Array tasks, one shard each (default: 8, at most the figure's cells).") var tasks: Int?
    @Option(help: "SLURM partition of the jobs (default: the cluster's).") var partition: String?
    @Option(help: "Time limit per task, in sbatch's forms (MM, HH:MM:SS, D-HH:MM, ...; default: the partition's).") var time: String?
    @Option(parsing: .unconditional, help: "CPUs per task; each task's threads follow SLURM_CPUS_PER_TASK.") var cpusPerTask: Int?
    @Flag(help: "Also submit the array job and, dependent on it (afterok), the collect job.") var submit = false

    /// The first SLURM option given without --slurm, if any.
    var givenWithoutSlurm: String? {
        [(tasks != nil, "--tasks"), (partition != nil, "--partition"), (time != nil, "--time"), (cpusPerTask != nil, "--cpus-per-task"), (submit, "--submit")]
            .first { $0.0 }?.1
    }

    func taskCount(cells: Int) -> Int { tasks ?? min(8, cells) }
}

extension FigureRun {
    /// Runs `body`, turning the job's invalid options into argument-validation errors (exit 64).
    func rethrowingSlurmOptions<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as SlurmArrayJob.InvalidOption { throw ValidationError(error.description) }
    }

    /// The array job of this figure: its tasks run the shards into --out (absolute), its collect job joins them.
    func slurmJob(_ recipe: any FigureRecipe) throws -> SlurmArrayJob {
        let out = try output.directory.url.path
        var common = ["figure", figureName, "--scale", scale.rawValue, "--seed", "\(seed)"]
        if let inits { common += ["--inits", "\(inits)"] }
        for selection in selections { common += ["--only", selection.description] }
        if let name { common += ["--name", name] }
        common += ["--out", out]
        var collect = common + ["--collect"]
        if output.noPlot {
            collect.append("--no-plot")
        } else if let figures = try? figuresDirectory(output.figures) {
            collect += ["--figures", figures.standardizedFileURL.path]
        }
        if output.json { collect.append("--json") }
        return try SlurmArrayJob(jobName: "curldyn-\(baseName)", tasks: slurm.taskCount(cells: try studyCells(recipe).count),
                                 partition: slurm.partition, time: slurm.time, cpusPerTask: slurm.cpusPerTask ?? 1,
                                 workingDirectory: FileManager.default.currentDirectoryPath, logDirectory: out + "/slurm-logs",
                                 executable: Self.executablePath, taskArguments: common, collectArguments: collect, logStem: baseName)
    }

    /// This process's executable, symbolic links resolved: the binary the jobs run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }

    /// Refuses an --out that already holds shard checkpoints of this figure split another number of ways: the
    /// collect job could not tell which split to join.
    func refuseOtherShardCounts() throws {
        let (recipe, cells) = (try recipe, try studyCells(try recipe))
        let n = slurm.taskCount(cells: cells.count)
        if let other = try shardedSweep(recipe, cells).shardCounts().first(where: { $0 != n }) {
            throw ValidationError("\(try output.directory.url.path) already holds \(baseName).shard-k-of-\(other).checkpoint files of a \(other)-way split; "
                                  + "remove them, use --tasks \(other), or give another --out or --name")
        }
    }

    /// Writes (or with --dry-run prints) the two batch scripts, prints the line that submits them, and with
    /// --submit submits them.
    func writeSlurmJob(_ recipe: any FigureRecipe) throws {
        let job = try slurmJob(recipe)
        let directory = try output.directory
        let (arrayName, collectName) = ("\(baseName).sbatch", "\(baseName).collect.sbatch")
        let submitLine = SlurmArrayJob.submitLine(arrayScript: directory.file(arrayName).path, collectScript: directory.file(collectName).path)
        if dryRun {
            print("# \(directory.file(arrayName).path)\n\(job.arrayScript)\n# \(directory.file(collectName).path)\n\(job.collectScript)")
            print("submit with:\n  \(submitLine)")
            return
        }
        let sbatch = slurm.submit ? try Self.sbatchExecutable() : nil
        try directory.commit([(arrayName, Data(job.arrayScript.utf8)), (collectName, Data(job.collectScript.utf8))])
        for script in [arrayName, collectName] { chmod(directory.file(script).path, 0o755) }
        try FileManager.default.createDirectory(atPath: job.logDirectory, withIntermediateDirectories: true)
        print("wrote \(directory.file(arrayName).path) (\(job.tasks) array tasks, \(job.cpusPerTask) CPU\(job.cpusPerTask == 1 ? "" : "s") each) "
              + "and \(directory.file(collectName).path); logs in \(job.logDirectory)")
        guard let sbatch else {
            print("submit with:\n  \(submitLine)")
            return
        }
        let arrayJob = try Self.submit([directory.file(arrayName).path], sbatch: sbatch)
        let collectJob: String
        do { collectJob = try Self.submit(["--dependency=afterok:\(arrayJob)", directory.file(collectName).path], sbatch: sbatch) } catch {
            throw CommandFailure("array job \(arrayJob) is submitted but its collect job is not (\(error)); "
                                 + "submit it with: sbatch --dependency=afterok:\(arrayJob) \(ShellWord.quoted(directory.file(collectName).path))")
        }
        print("submitted array job \(arrayJob) (\(job.tasks) tasks) and collect job \(collectJob) (after every task succeeds)")
        print("follow with: squeue -j \(arrayJob),\(collectJob); the figure lands in \(directory.url.path)")
    }

    /// `sbatch` on the PATH.
    static func sbatchExecutable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("sbatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CommandFailure("--submit needs sbatch, which is not on the PATH; nothing written")
    }

    /// Runs `sbatch --parsable ARGUMENTS` and returns the job id (the part before any ";cluster").
    static func submit(_ arguments: [String], sbatch: URL) throws -> String {
        let process = Process()
        process.executableURL = sbatch
        process.arguments = ["--parsable"] + arguments
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let id = output.split(whereSeparator: \.isNewline).last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CommandFailure("sbatch \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): \(errors)\(output)")
        }
        return id
    }
}
