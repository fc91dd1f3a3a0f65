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

    struct RuleSummary: Encodable {
        let rule: String
        let reached: Int
        /// Seeds whose run of this rule diverged: left out of this rule's statistics and curves.
        let divergedSeeds: [UInt64]
        let meanTime: Double?
        let standardErrorTime: Double?
        let meanEpochs: Double?
        let meanFinalTestLoss: Double?
        let meanMaxTrainLoss: Double?
        let t: Double?
        let degreesOfFreedom: Int?
        let pValue: Double?
    }

    struct Summary: Encodable {
        let seeds: [UInt64]
        let threshold: Double
        let on: String
        let rules: [RuleSummary]
    }

    func run() throws {
        BLASThreads.pinToOne()  // parallelism is over seeds
        rules.warnIfCurlFlipsNothing(try network.shape)
        let experiment = try network.experiment(rules: rules.rules, integrator: try integrator, normConstraint: dynamics.normConstraint)
        let seedList = (0..<UInt64(seeds)).map { seed + $0 }
        let progress = ProgressLine()
        let comparison: PairedComparison
        do {
            comparison = try PairedComparison.run(experiment, seeds: seedList, threshold: threshold, on: on, threads: threads) { done, total in
                progress.update("compare: \(done)/\(total) seeds")
            }
        } catch let error as ParameterError {
            progress.finish()
            throw CommandFailure("\(error.description); no output written")
        }
        progress.finish()

        let provenance = Provenance.thisRun(parameters: network.parameters(trainCount: trainCount) + rules.parameters + dynamics.parameters
                                        + [("seeds", "\(seeds)"), ("threshold", "\(threshold)"), ("on", on.rawValue)],
                                    seed: seed, notes: ["paired protocol: every rule from the same teacher, start and data for each seed \(seedList.first!)..\(seedList.last!)",
                                                        "NaN marks a value that does not exist (no t-test of the first rule against itself)"])
        let curves = DataFile(header: provenance, columns: ["t", "train_mean", "train_se", "test_mean", "test_se"],
                              dataSets: experiment.rules.indices.map { r in
                                  let train = comparison.meanCurve(rule: r, loss: .train)
                                  let test = comparison.meanCurve(rule: r, loss: .test)
                                  return .init(title: experiment.rules[r].name, rows: zip(train, test).map { [$0.time, $0.mean, $0.standardError, $1.mean, $1.standardError] })
                              })
        let stats = DataFile(header: provenance, columns: ["rule_index", "mean_time", "se_time", "reached", "seeds", "diverged", "t_vs_first", "df", "p_value"],
                             dataSets: comparison.results.enumerated().map { r, result in
                                 .init(title: result.rule, rows: [[Double(r), result.time?.mean ?? .nan, result.time?.standardError ?? .nan, Double(result.reached),
                                                                   Double(seeds), Double(result.divergedSeeds.count), result.versusBaseline?.t ?? .nan,
                                                                   result.versusBaseline.map { Double($0.degreesOfFreedom) } ?? .nan,
                                                                   result.versusBaseline?.pValue ?? .nan]])
                             })
        let perSeed = DataFile(header: provenance, columns: ["seed", "time_to_threshold", "reached", "final_test", "max_train"],
                               dataSets: comparison.results.enumerated().map { r, result in
                                   .init(title: "\(result.rule) (diverged seeds are left out)", rows: seedList.indices.compactMap { s in
                                       guard let time = result.timeBySeed[s], let reached = result.reachedBySeed[s] else { return nil }
                                       let curve = comparison.curves[s][r]
                                       return [Double(seedList[s]), time, reached ? 1 : 0, curve.finalTestLoss, curve.maxTrainLoss]
                                   })
                               })
        let figure = try output.figure("compare.gp", name: "\(name).png") { path in
            [path("\(name)_curves.dat"), "\(seeds) seeds, M=\(network.inputs), N=\(network.hidden), \(network.activation.rawValue)"]
        } titles: { experiment.rules.map(\.name) }

        let summaries = comparison.results.map { r in
            RuleSummary(rule: r.rule, reached: r.reached, divergedSeeds: r.divergedSeeds, meanTime: r.time?.mean, standardErrorTime: r.time?.standardError,
                        meanEpochs: r.epochsToThreshold.isEmpty ? nil : Double(r.epochsToThreshold.reduce(0, +)) / Double(r.epochsToThreshold.count),
                        meanFinalTestLoss: r.finalTestLoss?.mean, meanMaxTrainLoss: r.maxTrainLoss?.mean, t: r.versusBaseline?.t,
                        degreesOfFreedom: r.versusBaseline?.degreesOfFreedom, pValue: r.versusBaseline?.pValue)
        }
        let lines = summaries.map { s in
            var line = s.meanTime.map { mean in
                String(format: "%@: time to %@ loss < %g: %.4g +- %.2g (%d/%d seeds reached)", s.rule, on.rawValue, threshold, mean,
                       s.standardErrorTime ?? .nan, s.reached, seeds)
            } ?? "\(s.rule): no run finished"
            if !s.divergedSeeds.isEmpty { line += "; \(s.divergedSeeds.count) seed(s) diverged and are left out: \(s.divergedSeeds.map(String.init).joined(separator: " "))" }
            if let t = s.t, let p = s.pValue { line += String(format: "; paired t vs %@ = %.3f, p = %.3g", summaries[0].rule, t, p) }
            return line
        }
        let diverged = comparison.results.filter { !$0.divergedSeeds.isEmpty }.map { "rule \($0.rule): \($0.divergedSeeds.count) of \(seeds) seeds diverged; they are left out of its statistics and curves" }
        try output.deliver(RunOutput(command: "compare", provenance: provenance,
                                     files: [.init(label: "data", name: "\(name)_curves.dat", table: curves),
                                             .init(label: "stats", name: "\(name)_stats.dat", table: stats),
                                             .init(label: "seeds", name: "\(name)_seeds.dat", table: perSeed)],
                                     figure: figure, summary: lines,
                                     results: try JSONTreeEncoder.encode(Summary(seeds: seedList, threshold: threshold, on: on.rawValue, rules: summaries)),
                                     warnings: diverged))
    }
}

extension LossKind: ExpressibleByArgument {}
