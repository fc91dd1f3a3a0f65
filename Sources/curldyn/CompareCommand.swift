import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// `curldyn compare`: the reference's paired protocol over many seeds, with statistics.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run rules from the same teacher, start and data over many seeds; compare times to a loss threshold.",
        discussion: """
        For each seed every rule starts from the same teacher, student and data (the reference's paired design). \
        Writes OUT/NAME_curves.dat (per rule: mean and standard error over seeds of the train and test loss), \
        OUT/NAME_stats.dat (per rule: time to threshold, mean, standard error, how many seeds reached it, and a \
        paired t-test against the first rule) and OUT/NAME.png. A threshold never reached counts as the run's end \
        time, as in the reference. Seeds run in parallel on all cores; results do not depend on the thread count.
        """)

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions
    @OptionGroup(title: "Dynamics") var dynamics: DynamicsOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(parsing: .unconditional, help: "First seed.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Number of seeds (seed, seed+1, ...).") var seeds = 10
    @Option(parsing: .unconditional, help: "Loss threshold for the time-to-threshold statistics.") var threshold = 1e-3
    @Option(help: "Which loss the threshold is read on: train or test.") var on: LossKind = .test
    @Option(parsing: .unconditional, help: "Worker threads (default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount
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
        if network.loadState != nil { throw ValidationError("--load-state gives one start; compare draws a start per seed (use integrate)") }
        try rethrowingAsValidation {
            let shape = try network.shape
            for rule in rules.rules { _ = try rule.signs(for: shape) }
            _ = try dynamics.integrator(trainCount: trainCount)
        }
    }

    struct RuleSummary: Encodable {
        let rule: String
        let reached: Int
        let meanTime: Double
        let standardErrorTime: Double
        let meanEpochs: Double?
        let meanFinalTestLoss: Double
        let meanMaxTrainLoss: Double
        let t: Double?
        let degreesOfFreedom: Int?
        let pValue: Double?
    }

    struct Summary: Encodable {
        let command = "compare"
        let version = CurlDyn.version
        let seeds: [UInt64]
        let threshold: Double
        let on: String
        let rules: [RuleSummary]
        let curvesFile: String
        let statsFile: String
        let figure: String?
    }

    func run() throws {
        let script = try output.figureScript("compare.gp")
        BLASThreads.useOneThreadUnlessEnvironmentSetsIt()  // parallelism is over seeds
        rules.warnIfCurlFlipsNothing(try network.shape)
        let experiment = Experiment(
            shape: try network.shape, teacherHidden: network.teacherHidden, activation: network.networkActivation,
            teacherInit: network.teacherInit, studentStart: network.studentStart, trainCount: trainCount, testCount: network.testSize,
            inputVariance: network.inputVariance, normConstraint: dynamics.normConstraint, rules: rules.rules,
            integrator: try dynamics.integrator(trainCount: trainCount))
        let seedList = (0..<UInt64(seeds)).map { seed + $0 }
        let progress = ProgressLine()
        let comparison: PairedComparison
        do {
            comparison = try PairedComparison.run(experiment, seeds: seedList, threshold: threshold, on: on, threads: threads) { done, total in
                progress.update("compare: \(done)/\(total) seeds")
            }
        } catch let error as LearningDynamicsError {
            progress.finish()
            throw CommandFailure("\(error.description); no output written")
        }
        progress.finish()

        let outDir = URL(fileURLWithPath: output.out)
        let provenance = Provenance.thisRun(parameters: network.parameters(trainCount: trainCount) + rules.parameters + dynamics.parameters
                                        + [("seeds", "\(seeds)"), ("threshold", "\(threshold)"), ("on", on.rawValue)],
                                    seed: seed, notes: ["paired protocol: every rule from the same teacher, start and data for each seed \(seedList.first!)..\(seedList.last!)"])
        let curvesURL = outDir.appendingPathComponent("\(name)_curves.dat")
        let curves = DataFile(header: provenance, columns: ["t", "train_mean", "train_se", "test_mean", "test_se"],
                              dataSets: experiment.rules.indices.map { r in
                                  let train = comparison.meanCurve(rule: r, loss: .train)
                                  let test = comparison.meanCurve(rule: r, loss: .test)
                                  return .init(title: experiment.rules[r].name, rows: zip(train, test).map { [$0.time, $0.mean, $0.standardError, $1.mean, $1.standardError] })
                              })
        let statsURL = outDir.appendingPathComponent("\(name)_stats.dat")
        let stats = DataFile(header: provenance, columns: ["rule_index", "mean_time", "se_time", "reached", "seeds", "t_vs_first", "df", "p_value"],
                             dataSets: comparison.results.enumerated().map { r, result in
                                 .init(title: result.rule, rows: [[Double(r), result.time.mean, result.time.standardError, Double(result.reached),
                                                                   Double(seeds), result.versusBaseline?.t ?? .nan,
                                                                   result.versusBaseline.map { Double($0.degreesOfFreedom) } ?? .nan,
                                                                   result.versusBaseline?.pValue ?? .nan]])
                             })
        try AtomicFile.write(curves.render(), to: curvesURL)
        try AtomicFile.write(stats.render(), to: statsURL)
        var figureURL: URL?
        if let script {
            let png = outDir.appendingPathComponent("\(name).png")
            try Gnuplot.render(script: script, arguments: [curvesURL.path,
                                                           "\(seeds) seeds, M=\(network.inputs), N=\(network.hidden), \(network.activation.rawValue)"],
                               titles: experiment.rules.map(\.name), output: png)
            figureURL = png
        }

        let summaries = comparison.results.map { r in
            RuleSummary(rule: r.rule, reached: r.reached, meanTime: r.time.mean, standardErrorTime: r.time.standardError,
                        meanEpochs: r.epochsToThreshold.isEmpty ? nil : Double(r.epochsToThreshold.reduce(0, +)) / Double(r.epochsToThreshold.count),
                        meanFinalTestLoss: r.finalTestLoss.mean, meanMaxTrainLoss: r.maxTrainLoss.mean, t: r.versusBaseline?.t,
                        degreesOfFreedom: r.versusBaseline?.degreesOfFreedom, pValue: r.versusBaseline?.pValue)
        }
        if output.json {
            try printJSON(Summary(seeds: seedList, threshold: threshold, on: on.rawValue, rules: summaries, curvesFile: curvesURL.path,
                                  statsFile: statsURL.path, figure: figureURL?.path))
            return
        }
        for s in summaries {
            var line = String(format: "%@: time to %@ loss < %g: %.4g +- %.2g (%d/%d seeds reached)", s.rule, on.rawValue, threshold, s.meanTime,
                              s.standardErrorTime, s.reached, seeds)
            if let t = s.t, let p = s.pValue { line += String(format: "; paired t vs %@ = %.3f, p = %.3g", summaries[0].rule, t, p) }
            print(line)
        }
        print("data: \(curvesURL.path)\nstats: \(statsURL.path)" + (figureURL.map { "\nfigure: \($0.path)" } ?? ""))
    }
}

extension LossKind: ExpressibleByArgument {}
