import NumericalKit
import SoftCommitteeMachine

/// `scm sweep`: the plateau escape time (first alpha with eps_g at most the threshold) and the final eps_g
/// against the number of flipped readouts 0...K, every curve from the same start.
public struct SCMEscapeStudy: Sendable {
    public var networks: SCMNetworks
    /// The rule with `flippedReadouts` flipped readouts.
    public var rule: @Sendable (_ flippedReadouts: Int) -> SCMRule
    public var rates: SCMLearningRates
    public var time: Double
    public var threshold: Double
    public var caption: String

    public init(networks: SCMNetworks, rule: @escaping @Sendable (Int) -> SCMRule, rates: SCMLearningRates, time: Double, threshold: Double,
                caption: String) {
        self.networks = networks
        self.rule = rule
        self.rates = rates
        self.time = time
        self.threshold = threshold
        self.caption = caption
    }

    public struct Run: Encodable, Sendable {
        public let flippedReadouts: Int
        public let escapeTime: Double?
        public let finalEpsG: Double
    }

    public struct Results: Encodable, Sendable {
        public let runs: [Run]
    }

    public func run() throws -> StudyReport {
        let teacher = try networks.teacherOverlaps()
        var sets: [(title: String, rows: [[Double]])] = []
        var lines: [String] = []
        var runs: [Run] = []
        var options = SCMFlow.defaultSolveOptions
        options.output = .logarithmic(count: 150, first: min(0.1, time))
        for d in 0...networks.students {
            let flow = try SCMFlow(students: networks.students, teacher: teacher, rule: rule(d), rates: rates)
            let curve = try flow.learningCurve(from: networks.startState(), endTime: time, options: options)
            let escape = try flow.timeToReach(error: threshold, from: networks.startState(), endTime: time)
            sets.append(("\(d) flipped readouts", curve.times.indices.map { [curve.times[$0], curve.generalisationError[$0], .nan, .nan] }))
            lines.append(String(format: "%d flipped readout%@: escape (eps_g <= %g) at alpha = %@; eps_g(%g) = %.4g; final v = [%@]  [%@]", d, d == 1 ? "" : "s",
                                threshold, escape.map { String(format: "%.4g", $0) } ?? "never", curve.times.last!, curve.finalError,
                                curve.finalState.v.map { String(format: "%.3f", $0) }.joined(separator: ", "), curve.status.summary))
            runs.append(Run(flippedReadouts: d, escapeTime: escape, finalEpsG: curve.finalError))
        }
        return StudyReport(tables: [Table(suffix: "", label: "data", columns: ["alpha", "eps_g_ode", "unused", "unused"], sets: sets)],
                           figure: FigurePlan(script: "scm_curves.gp", arguments: [.table(""), .text(caption)], titles: sets.map(\.title)),
                           summary: lines, results: Results(runs: runs),
                           notes: ["one set per number of flipped readouts (the first units' readouts flipped)"])
    }
}
