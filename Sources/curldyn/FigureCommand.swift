import ArgumentParser
import Foundation
import GnuplotIO
import NumericalKit
import Studies

extension Scale: ExpressibleByArgument {}

/// `curldyn figure`: the paper figures as studies, each by one command.
struct FigureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figure",
        abstract: "Reproduce a paper figure: `curldyn figure list`, `curldyn figure NAME [--scale quick|full]`.",
        subcommands: [FigureList.self, FigureRun.self],
        defaultSubcommand: FigureRun.self)
}

struct FigureList: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The figures `curldyn figure NAME` reproduces.")

    func run() throws {
        // Names are never cut (padding(toLength:) truncates): scripts read the first word of each unindented line.
        let width = max(8, FigureCatalog.all.map(\.name.count).max() ?? 0)
        for recipe in FigureCatalog.all {
            let cells = (quick: recipe.cells(.quick), full: recipe.cells(.full))
            print("\(recipe.name.padding(toLength: width, withPad: " ", startingAt: 0)) \(recipe.summary)")
            print(String(repeating: " ", count: width + 1) + "quick: \(cells.quick.count) runs of \(Self.amount(recipe.cost(cells.quick[0], scale: .quick), recipe.costUnit)); "
                  + "full: \(cells.full.count) runs of \(Self.amount(recipe.cost(cells.full[0], scale: .full), recipe.costUnit))")
        }
    }

    /// A cell's work as printed: whole units, or three significant digits below 10, and the unit.
    static func amount(_ cost: Double, _ unit: CostUnit) -> String {
        (cost >= 10 ? "\(Int(cost.rounded()))" : String(format: "%.3g", cost)) + " " + (cost == 1 ? unit.singular : unit.plural)
    }
}

/// Runs one figure's study through the sweep engine and delivers its tables and figure.
struct FigureRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Compute, write and draw one figure (the default: `curldyn figure NAME`).",
        discussion: """
        The figure's cells (one init at one grid point each) run in parallel on the CPUs this process may use \
        (its affinity mask, at most SLURM_CPUS_PER_TASK). Each cell's seed comes from --seed and the cell's \
        parameters, so results do not depend on threads, shards or order. Each finished cell is appended at once \
        to OUT/NAME.checkpoint; --resume skips the cells found there, so a killed run resumes without redoing \
        them. --shard k/n computes every n-th cell into OUT/NAME.shard-k-of-n.checkpoint; --collect then joins \
        the shards' checkpoints, checks that every cell is there, and writes the tables and figure. --dry-run \
        prints the cells, runs and the core-hours estimated from a measured per-epoch cost, and computes nothing.

        --slurm writes OUT/NAME.sbatch, a SLURM array job of --tasks tasks (task k runs --shard k/n --resume into \
        OUT, logs in OUT/slurm-logs), and OUT/NAME.collect.sbatch, the job that runs --collect once every task has \
        succeeded, and prints the line that submits both; --submit also submits them (sbatch --parsable, then \
        the collect job with --dependency=afterok). With --dry-run it prints the scripts and writes nothing.
        """)

    @Argument(help: "The figure (see `curldyn figure list`).") var figureName: String
    @Option(help: "quick (about a minute on one core) or full (the paper's parameters).") var scale: Scale = .quick
    @Option(parsing: .unconditional, help: "Study seed; each cell's seed is derived from it and the cell's parameters.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Worker threads (default: the CPUs this process may use).") var threads: Int?
    @Option(help: "Compute only shard k of n (every n-th cell), e.g. 3/8 for a SLURM array task.") var shard: Studies.Shard?
    @Flag(help: "Skip the cells already in the checkpoint.") var resume = false
    @Flag(help: "Join the shards' checkpoints and write the tables and figure.") var collect = false
    @Flag(help: "Print the cells, runs and estimated core-hours; compute nothing.") var dryRun = false
    @Option(parsing: .unconditional, help: "Use only the first K inits of each grid point (a cheaper check of a full-scale figure).") var inits: Int?
    @Option(name: .customLong("only"), help: ArgumentHelp("Compute only the grid points whose parameter has one of these values, e.g. P=1000,2000 (repeatable; cells keep their seeds, so they equal the whole grid's).", valueName: "NAME=V1,V2")) var selections: [CellSelection] = []
    @Option(help: "Base name of the output files (default: the figure's name).") var name: String?
    @OptionGroup(title: "Output") var output: OutputOptions
    @OptionGroup(title: "SLURM (with --slurm)") var slurm: SlurmOptions

    var recipe: any FigureRecipe {
        get throws {
            guard let recipe = FigureCatalog.named(figureName) else {
                throw ValidationError("no figure \(figureName); `curldyn figure list` names them: \(FigureCatalog.all.map(\.name).joined(separator: ", "))")
            }
            return recipe
        }
    }

    var baseName: String { name ?? figureName }

    func validate() throws {
        _ = try recipe
        guard !baseName.isEmpty, !baseName.contains("/") else { throw ValidationError("--name must be a plain file name") }
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
        if collect && shard != nil { throw ValidationError("--collect joins every shard; give no --shard") }
        if let inits, inits < 1 { throw ValidationError("--inits must be at least 1, got \(inits)") }
        do { _ = try studyCells(try recipe) } catch let error as CellSelection.Invalid { throw ValidationError("--only: \(error.description)") }
        if slurm.slurm {
            for (given, option) in [(shard != nil, "--shard"), (collect, "--collect"), (resume, "--resume"), (threads != nil, "--threads (use --cpus-per-task)")] where given {
                throw ValidationError("--slurm writes the array job; give no \(option)")
            }
            if slurm.submit && dryRun { throw ValidationError("--submit and --dry-run contradict each other") }
            let cells = try studyCells(try recipe).count
            if let tasks = slurm.tasks, tasks > cells { throw ValidationError("--tasks \(tasks) is more than the figure's \(cells) cells; use at most \(cells)") }
            _ = try rethrowingSlurmOptions { try slurmJob(try recipe) }
            try refuseOtherShardCounts()
        } else if let given = slurm.givenWithoutSlurm {
            throw ValidationError("\(given) goes with --slurm")
        }
    }

    func checkpoint(_ recipe: any FigureRecipe, shard: Studies.Shard?) throws -> Checkpoint {
        let fingerprint = CellSeed.fingerprint("\(recipe.name) \(scale.rawValue) seed=\(seed) inits=\(inits.map(String.init) ?? "all") " + selections.map { "only \($0) " }.joined() + recipe.parameters(scale).map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        let suffix = shard?.suffix ?? ""
        return Checkpoint(url: try output.directory.file("\(baseName)\(suffix).checkpoint"), study: "\(recipe.name) \(scale.rawValue)", fingerprint: fingerprint)
    }

    func run() throws {
        BLASThreads.pinToOne()  // parallelism is over cells
        let recipe = try recipe
        let cells = try studyCells(recipe)
        if slurm.slurm { return try writeSlurmJob(recipe) }
        if dryRun { return try printDryRun(recipe, cells) }
        let sweep = try shardedSweep(recipe, cells)
        let records: [CellRecord]
        if collect {
            records = try sweep.collect()
        } else {
            let (name, scale) = (figureName, self.scale)
            let run = try sweep.run(label: { "figure \(name) (\(scale.rawValue)): \($0.description)" }) { cell, seed in
                try recipe.compute(cell, seed: seed, scale: scale)
            }
            if let shard {
                let collect = "curldyn figure \(figureName) --scale \(self.scale.rawValue) --collect --out \(output.out)"
                    + (self.name == nil ? "" : " --name \(baseName)") + (inits.map { " --inits \($0)" } ?? "") + selections.map { " --only \($0)" }.joined()
                try sweep.shardDone(shard, records: run.records.count, resumed: run.resumed, collectCommand: collect).forEach { print($0) }
                return
            }
            records = run.records
        }
        try output.deliver(try recipe.report(records, cells: cells, scale: scale), command: "figure", baseName: baseName,
                           parameters: [("figure", recipe.name), ("scale", scale.rawValue)] + recipe.parameters(scale)
                               + [("cells", "\(cells.count)"), ("inits_used", inits.map { "first_\($0)" } ?? "all")]
                               + selections.map { ("only", $0.description) },
                           seed: seed)
    }

    /// The recipe's cells at this scale, the inits cut to --inits and the grid to the --only selections (cells keep
    /// their grid index and key, so seeds and shards stay those of the whole grid).
    func studyCells(_ recipe: any FigureRecipe) throws -> [Cell] {
        let all = recipe.cells(scale)
        let cut = inits.map { k in all.filter { !$0.names.contains("init") || $0.integer("init") < k } } ?? all
        return try CellSelection.apply(selections, to: cut)
    }

    func shardedSweep(_ recipe: any FigureRecipe, _ cells: [Cell]) throws -> ShardedSweep {
        ShardedSweep(cells: cells, seed: seed, shard: shard, threads: recipe.runsCellsOneAtATime ? 1 : threads ?? ProcessorBudget.available,
                     resume: resume, baseName: baseName,
                     output: output) { try checkpoint(recipe, shard: $0) }
    }

    func printDryRun(_ recipe: any FigureRecipe, _ cells: [Cell]) throws {
        let own = shard.map { s in cells.filter(s.contains) } ?? cells
        let epochs = own.reduce(0) { $0 + recipe.cost($1, scale: scale) }
        // Measured on three cells across the grid (first, middle, last): sizes differ along the grid.
        let samples = Array(Set([0, own.count / 2, own.count - 1])).sorted().map { own[$0] }
        let perEpoch = try samples.map { try recipe.secondsPerEpoch($0, scale: scale) }.reduce(0, +) / Double(samples.count)
        let coreHours = epochs * perEpoch / 3600
        print("figure \(recipe.name) (\(scale.rawValue)): \(own.count) cells\(shard.map { " (shard \($0) of \(cells.count))" } ?? ""), "
              + "one run each, \(String(format: "%.3g", epochs)) \(recipe.costUnit.plural) in all")
        let threads = recipe.runsCellsOneAtATime ? 1 : self.threads ?? ProcessorBudget.available
        print(String(format: "measured %.3g ms per %@ (mean of %d cells); estimated %.3g core-hours, %.3g h on %d thread%@",
                     perEpoch * 1e3, recipe.costUnit.singular, samples.count, coreHours, coreHours / Double(min(threads, max(1, own.count))), threads,
                     threads == 1 ? "" : "s"))
    }
}

extension CellSelection: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}
