import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit
import Studies

/// `curldyn compare`: the reference's paired protocol over many seeds, with statistics.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run rules from the same teacher, start and data over many seeds; compare times to a loss threshold.",
        discussion: """
        For each seed every rule starts from the same teacher, student and data (the reference's paired design). \
        Writes OUT/NAME_curves.dat (per rule: mean and standard error over seeds of the train and test loss), \
        OUT/NAME_stats.dat (per rule: time to threshold, mean, standard error, how many seeds reached it, and a \
        paired t-test against the first rule), OUT/NAME_seeds.dat (per rule and seed: time to threshold, reached, \
        final test loss, max train loss) and OUT/NAME.png. A threshold never reached counts as the run's end \
        time, as in the reference. A run that diverges is left out of its rule's statistics and curves, and named in \
        the summary (the t-test pairs the seeds where both rules finished). Seeds run in parallel on the CPUs this process may use; results do not depend on the thread count.

        Each finished seed is appended at once to OUT/NAME.checkpoint; --resume skips the seeds found there, so a \
        killed run resumes without redoing them. --shard k/n runs every n-th seed into OUT/NAME.shard-k-of-n.checkpoint \
        (for one task of a SLURM array: `--shard $SLURM_ARRAY_TASK_ID/n --resume`); --collect, given the same \
        options, joins the shards' checkpoints and writes exactly the data of the unsharded run, or names the shards \
        that are missing or incomplete.

        --slurm writes OUT/NAME.sbatch, a SLURM array job of --tasks tasks (task k runs this command with --shard k/n \
        --resume into OUT, logs in OUT/slurm-logs), and OUT/NAME.collect.sbatch, which runs it with --collect once \
        every task has succeeded, and prints the line that submits both; --submit also submits them. With --dry-run \
        it prints the scripts and writes nothing.
        """)

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions
    @OptionGroup(title: "Dynamics") var dynamics: DynamicsOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(parsing: .unconditional, help: "First seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Number of seeds (seed, seed+1, ...).") var seeds = 10
    @Option(parsing: .unconditional, help: "Loss threshold for the time-to-threshold statistics.") var threshold = 1e-3
    @Option(help: "Which loss the threshold is read on: train or test.") var on: LossKind = .test
    @Option(parsing: .unconditional, help: "Worker threads (default: the CPUs this process may use: affinity mask, SLURM_CPUS_PER_TASK).") var threads = ProcessorBudget.available
    @Option(help: "Base name of the output files.") var name = "compare"
    @Option(help: "Run only shard k of n (every n-th seed), e.g. 3/8 for a SLURM array task.") var shard: Studies.Shard?
    @Flag(help: "Skip the seeds already in the checkpoint.") var resume = false
    @Flag(help: "Join the shards' checkpoints and write the statistics, curves and figure.") var collect = false
    @OptionGroup(title: "SLURM (with --slurm)") var slurm: SlurmOptions
    @Flag(help: "With --slurm: print the batch scripts and write nothing.") var dryRun = false

    var trainCount: Int { network.trainCount }

    func validate() throws {
        guard seeds >= 2 else { throw ValidationError("--seeds must be at least 2 for a paired comparison, got \(seeds)") }
        // The seeds are seed, seed + 1, ..., seed + seeds - 1: refuse a range that would run past the largest seed.
        guard UInt64(seeds - 1) <= UInt64.max - seed else {
            throw ValidationError("--seed \(seed) with --seeds \(seeds) runs past the largest seed \(UInt64.max); the last seed would be \(seed) + \(seeds - 1)")
        }
        guard threshold > 0, threshold.isFinite else { throw ValidationError("--threshold must be positive, got \(threshold)") }
        guard threads >= 1 else { throw ValidationError("--threads must be positive") }
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        if collect && shard != nil { throw ValidationError("--collect joins every shard; give no --shard") }
        if slurm.slurm {
            for (given, option) in [(shard != nil, "--shard"), (collect, "--collect"), (resume, "--resume")] where given {
                throw ValidationError("--slurm writes the array job; give no \(option)")
            }
            if CommandLine.arguments.contains(where: { $0 == "--threads" || $0.hasPrefix("--threads=") }) {
                throw ValidationError("--slurm writes the array job; give no --threads (use --cpus-per-task)")
            }
            if slurm.submit && dryRun { throw ValidationError("--submit and --dry-run contradict each other") }
            if let tasks = slurm.tasks, tasks > seeds { throw ValidationError("--tasks \(tasks) is more than the \(seeds) seeds; use at most \(seeds)") }
            if let tasks = slurm.tasks, tasks < 1 { throw ValidationError("--tasks must be at least 1, got \(tasks)") }
            do { _ = try slurmJob } catch let error as SlurmArrayJob.InvalidOption { throw ValidationError(error.description) }
        } else if let given = slurm.givenWithoutSlurm ?? (dryRun ? "--dry-run" : nil) {
            throw ValidationError("\(given) goes with --slurm")
        }
        if let shard, shard.count > seeds { throw ValidationError("--shard \(shard) splits \(seeds) seeds \(shard.count) ways; use at most \(seeds) shards") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn compare with these sizes")
        if network.loadState != nil { throw ValidationError("--load-state gives one start; compare draws a start per seed (use integrate)") }
        try rethrowingAsValidation {
            let shape = try network.shape
            for rule in rules.rules { _ = try rule.signs(for: shape) }
            _ = try integrator
        }
    }

    /// The integrator, with --stop-loss made safe for the statistics: a run stops early only once the loss the
    /// threshold is read on has crossed it (discrete protocol: it stops when both that crossing and the train
    /// loss below --stop-loss are recorded). A run that never crosses runs to its end, so a threshold never
    /// reached counts as the full run length, as in the reference, and stopping never changes a time to threshold.
    var integrator: Integrator {
        get throws {
            let base = try dynamics.integrator(trainCount: trainCount)
            guard let stop = dynamics.stopLoss else { return base }
            switch base {
            case .discrete(var options):
                options.stopLoss = nil
                options.stopAfterCrossing = on == .train ? [.train: min(stop, threshold)] : [.train: stop, on: threshold]
                return .discrete(options)
            case .continuous:
                guard on == .train, stop <= threshold else {
                    throw ParameterError("with the continuous flow, compare's --stop-loss needs --on train and a stop loss at most --threshold, so that stopping cannot change a time to threshold (or use --protocol discrete)")
                }
                return base
            }
        }
    }

    /// The comparison as a study: one cell per seed.
    var study: SeedComparison {
        get throws {
            let experiment = try network.experiment(rules: rules.rules, integrator: try integrator, normConstraint: dynamics.normConstraint)
            return SeedComparison(experiment: experiment, firstSeed: seed, seedCount: seeds, threshold: threshold, on: on)
        }
    }

    var parameters: [(String, String)] {
        network.parameters(trainCount: trainCount) + rules.parameters + dynamics.parameters
            + [("seeds", "\(seeds)"), ("threshold", "\(threshold)"), ("on", on.rawValue)]
    }

    /// The checkpoint of the run or of one shard; its fingerprint covers every option that changes a seed's runs.
    func checkpoint(_ shard: Studies.Shard?) throws -> Checkpoint {
        let fingerprint = CellSeed.fingerprint("compare seed=\(seed) " + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        return Checkpoint(url: try output.directory.file("\(name)\(shard?.suffix ?? "").checkpoint"), study: "compare", fingerprint: fingerprint)
    }

    /// The array job: each task runs this command line (without the SLURM, shard, thread and output options) with
    /// --shard k/n --resume into --out (absolute); the collect job runs it with --collect.
    var slurmJob: SlurmArrayJob {
        get throws {
            let out = try output.directory.url.path
            let own = SlurmSubmission.arguments(Array(CommandLine.arguments.dropFirst()),
                                                removingFlags: ["--slurm", "--submit", "--dry-run", "--resume", "--collect", "--no-plot", "--json"],
                                                options: ["--tasks", "--partition", "--time", "--cpus-per-task", "--shard", "--threads", "--out", "--figures"])
            let task = own + ["--out", out]
            return try SlurmArrayJob(jobName: "curldyn-\(name)", tasks: slurm.taskCount(cells: seeds), partition: slurm.partition, time: slurm.time,
                                     cpusPerTask: slurm.cpusPerTask ?? 1, workingDirectory: FileManager.default.currentDirectoryPath,
                                     logDirectory: out + "/slurm-logs", executable: SlurmSubmission.executablePath,
                                     taskArguments: task, collectArguments: task + ["--collect"] + output.collectArguments, logStem: name)
        }
    }

    func run() throws {
        if slurm.slurm {
            return try SlurmSubmission(job: try slurmJob, directory: try output.directory, baseName: name).deliver(dryRun: dryRun, submit: slurm.submit)
        }
        BLASThreads.pinToOne()  // parallelism is over seeds
        rules.warnIfCurlFlipsNothing(try network.shape)
        let study = try study
        let sweep = ShardedSweep(cells: study.cells, seed: seed, shard: shard, threads: threads, resume: resume, baseName: name, output: output,
                                 checkpoint: checkpoint)
        let records: [CellRecord]
        do {
            if collect {
                records = try sweep.collect()
            } else {
                let run = try sweep.run(label: { "compare: \($0.done + $0.resumed)/\($0.total + $0.resumed) seeds" }) { cell, _ in try study.compute(cell) }
                if let shard {
                    let collect = (["curldyn"] + SlurmSubmission.arguments(Array(CommandLine.arguments.dropFirst()), removingFlags: ["--resume"],
                                                                           options: ["--shard"]) + ["--collect"])
                        .map(ShellWord.quoted).joined(separator: " ")
                    try sweep.shardDone(shard, records: run.records.count, resumed: run.resumed, collectCommand: collect).forEach { print($0) }
                    return
                }
                records = run.records
            }
        } catch let error as ParameterError {
            throw CommandFailure("\(error.description); no output written")
        }
        let report = study.report(try study.comparison(records), caption: "\(seeds) seeds, M=\(network.inputs), N=\(network.hidden), \(network.activation.rawValue)")
        try output.deliver(report, command: "compare", baseName: name, parameters: parameters, seed: seed)
    }
}

extension LossKind: ExpressibleByArgument {}
