import NumericalKit
import SoftCommitteeMachine

/// `scm curve`: one learning curve eps_g(alpha) of the order-parameter ODE from the overlaps of explicit networks,
/// and optionally the online-SGD simulation of those networks beside it (mean and standard error over seeds).
public struct SCMCurveStudy: Sendable {
    public var networks: SCMNetworks
    public var rule: SCMRule
    public var rates: SCMLearningRates
    public var time: Double
    public var points: Int
    /// Replicates of online SGD (0: the ODE alone); replicate s reads stream s of the seed's sample role.
    public var simulatedSeeds: Int
    public var seed: UInt64
    /// The figure's subtitle.
    public var caption: String

    public init(networks: SCMNetworks, rule: SCMRule, rates: SCMLearningRates, time: Double, points: Int, simulatedSeeds: Int, seed: UInt64,
                caption: String) {
        self.networks = networks
        self.rule = rule
        self.rates = rates
        self.time = time
        self.points = points
        self.simulatedSeeds = simulatedSeeds
        self.seed = seed
        self.caption = caption
    }

    public struct Results: Encodable, Sendable {
        public let finalEpsG: Double
        public let status: String
    }

    /// `flippedReadouts` labels the set (the rule holds the flips).
    public func run(flippedReadouts: Int) throws -> StudyReport {
        let simulation = try SCMOnlineSGD(networks: networks, rule: rule, rates: rates)
        let flow = try simulation.flow()
        var options = SCMFlow.defaultSolveOptions
        options.output = .linear(count: points)
        let curve = try flow.learningCurve(from: networks.startState(), endTime: time, options: options)
        var mean = Array(repeating: Double.nan, count: curve.times.count), error = mean
        if simulatedSeeds > 0 {
            let runs = try (0..<simulatedSeeds).map { s in
                try simulation.run(recordingAt: curve.times, seed: seed, replicate: UInt64(s)).map(flow.generalisationError)
            }
            for i in curve.times.indices {
                let summary = try SampleSummary(runs.map { $0[i] })
                (mean[i], error[i]) = (summary.mean, simulatedSeeds > 1 ? summary.standardError : .nan)
            }
        }
        let rows = curve.times.indices.map { [curve.times[$0], curve.generalisationError[$0], mean[$0], error[$0]] }
        let label = "\(rule.name) alpha_h=\(String(format: "%.3g", networks.inputFlipFraction)) flipped_readouts=\(flippedReadouts)"
        var lines = [String(format: "%@: eps_g %.6g -> %.6g at alpha = %g  [%@; %d evaluations]", rule.name, curve.generalisationError.first!,
                            curve.finalError, curve.times.last!, curve.status.summary, curve.statistics.functionEvaluations)]
        if simulatedSeeds > 0 {
            let z = rows.compactMap { r in r[3] > 0 ? abs(r[2] - r[1]) / r[3] : nil }.max() ?? .nan
            lines.append(String(format: "online SGD (N = %d, %d replicates): final eps_g %.6g +- %.2g; largest |mean - ODE| / SE along the curve %.2f",
                                networks.inputs, simulatedSeeds, mean.last!, error.last!, z))
        }
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: ["alpha", "eps_g_ode", "eps_g_sim_mean", "eps_g_sim_se"],
                           sets: [("\(label) status=\(curve.status.summary)", rows)])],
            figure: FigurePlan(script: "scm_curves.gp", arguments: [.table(""), .text(caption)], titles: [label]),
            summary: lines, results: Results(finalEpsG: curve.finalError, status: curve.status.summary),
            notes: ["order-parameter ODE integrated by \(curve.stepper), tolerances 1e-10; simulation: online SGD at N = \(networks.inputs)"])
    }
}
