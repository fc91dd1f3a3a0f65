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
        let collect = common + ["--collect"] + output.collectArguments
        return try SlurmArrayJob(jobName: "curldyn-\(baseName)", tasks: slurm.taskCount(cells: try studyCells(recipe).count),
                                 partition: slurm.partition, time: slurm.time, cpusPerTask: slurm.cpusPerTask ?? 1,
                                 workingDirectory: FileManager.default.currentDirectoryPath, logDirectory: out + "/slurm-logs",
                                 executable: SlurmSubmission.executablePath, taskArguments: common, collectArguments: collect, logStem: baseName)
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
        try SlurmSubmission(job: try slurmJob(recipe), directory: try output.directory, baseName: baseName).deliver(dryRun: dryRun, submit: slurm.submit)
    }
}
