import NodePerturbation

/// `np-sweep`: the trace variance of the first layer's node-perturbation estimate against one parameter (width,
/// depth, perturbed layers, sigma or projection rank), Monte Carlo beside the linearised closed form.
public struct NPSweepStudy: Sendable {
    public var parameter: SweepParameter
    public var values: [Double]
    public var base: VarianceSweep.Configuration

    public init(parameter: SweepParameter, values: [Double], base: VarianceSweep.Configuration) {
        self.parameter = parameter
        self.values = values
        self.base = base
    }

    public struct Row: Encodable, Sendable {
        public let value, mcVariance, se, closedForm: Double
    }

    public struct Results: Encodable, Sendable {
        public let rows: [Row]
    }

    public func run() throws -> StudyReport {
        let points = try VarianceSweep.run(parameter: parameter, values: values, base: base)
        let lines = ["\(parameter.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0))  MC variance (se)           closed form   z"]
            + points.map { p in String(format: "%-10g  %.5g (%.2g)      %.5g     %.2f", p.value, p.monteCarlo, p.standardError, p.closedForm, p.standardizedDeviation) }
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: ["value", "mc_variance", "se", "closed_form"],
                           sets: [("np sweep over \(parameter.rawValue)", points.map { [$0.value, $0.monteCarlo, $0.standardError, $0.closedForm] })])],
            figure: FigurePlan(script: "np_sweep.gp", arguments: [.table(""), .text(parameter.rawValue), .text(parameter.isLogarithmic ? "1" : "0"),
                                                                 .text("R = \(base.draws), seed \(base.seed)")]),
            summary: lines,
            results: Results(rows: points.map { Row(value: $0.value, mcVariance: $0.monteCarlo, se: $0.standardError, closedForm: $0.closedForm) }),
            notes: ["tanh student and teacher MLPs, x ~ N(0, I), one batch; trace variance of the first layer's (W_1) NP estimate",
                    "closed form: linearised loco.md 2.3 / 5.1, (1/B^2) sum_b v_b |P x_b|^2"])
    }
}
