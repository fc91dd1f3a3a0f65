import CurlTheory
import LearningDynamics
import NumericalKit

/// `lyapunov`: the leading Lyapunov exponents of the full-batch learning flow for each flipped fraction of one
/// layer, beside q over the same trajectory and the theory's critical fraction at this c = M / N.
public struct FlowLyapunovStudy {
    /// Draws teacher, start and data for the seed and returns the problem of `rule` (one paired experiment).
    public var experiment: (LearningRule) throws -> TrainingProblem
    public var shape: NetworkShape
    public var layer: FlipLayer
    public var alphas: [Double]
    public var exponentCount: Int
    public var options: LyapunovOptions
    public var stepper: Stepper
    /// Flow time of the q window after the measurement (nil: no q).
    public var qWindow: Double?
    public var qSamples: Int
    public var seed: UInt64

    public init(experiment: @escaping (LearningRule) throws -> TrainingProblem, shape: NetworkShape, layer: FlipLayer, alphas: [Double],
                exponentCount: Int, options: LyapunovOptions, stepper: Stepper, qWindow: Double?, qSamples: Int, seed: UInt64) {
        self.experiment = experiment
        self.shape = shape
        self.layer = layer
        self.alphas = alphas
        self.exponentCount = exponentCount
        self.options = options
        self.stepper = stepper
        self.qWindow = qWindow
        self.qSamples = qSamples
        self.seed = seed
    }

    public struct Point: Encodable, Sendable {
        public let alpha: Double
        public let flipped: Int
        public let exponents: [Double]
        public let standardErrors: [Double]
        public let confidenceHalfWidths: [Double]
        public let q: Double?
        public let finalTrainLoss: Double?
        public let measuredTime: Double
        public let status: String
        public let functionEvaluations: Int
    }

    public struct Results: Encodable, Sendable {
        public let inputs: Int
        public let hidden: Int
        public let ratio: Double
        public let layer: String
        public let criticalFraction: Double?
        public let interval: Double
        public let points: [Point]
    }

    /// Measures every alpha in turn; `progress(alpha, fraction)` follows each run.
    public func run(progress: ((Double, Double) -> Void)? = nil) throws -> StudyReport {
        var results: [(alpha: Double, problem: TrainingProblem, result: FlowLyapunovResult)] = []
        for a in alphas {
            let rule = LearningRule.curl(flippedInputs: layer == .hidden ? .fraction(a) : .none, flippedHidden: layer == .readout ? .fraction(a) : .none)
            let problem = try experiment(rule)
            var options = self.options
            options.progress = { p in progress?(a, p.fraction) }
            let result = try FullBatchFlow(problem).lyapunovExponents(exponentCount: exponentCount, options: options, stepper: stepper,
                                                                      qWindow: qWindow, qSamples: qSamples)
            results.append((a, problem, result))
        }
        return report(results)
    }

    func report(_ results: [(alpha: Double, problem: TrainingProblem, result: FlowLyapunovResult)]) -> StudyReport {
        let critical = try? CriticalFraction.value(c: shape.ratio, layer: layer)
        let points = results.map { a, problem, r in
            Point(alpha: a, flipped: layer == .hidden ? problem.signs.flippedInputs : problem.signs.flippedHidden, exponents: r.spectrum.exponents,
                  standardErrors: r.spectrum.standardErrors, confidenceHalfWidths: r.spectrum.confidenceHalfWidths, q: r.q.isNaN ? nil : r.q,
                  finalTrainLoss: r.finalTrainLoss.isNaN ? nil : r.finalTrainLoss, measuredTime: r.spectrum.measuredTime,
                  status: r.spectrum.status.summary, functionEvaluations: r.spectrum.statistics.functionEvaluations)
        }
        let mainRows = points.map { p in
            [p.alpha, Double(p.flipped), p.exponents[0], p.standardErrors[0], p.confidenceHalfWidths[0], p.exponents.reduce(0, +),
             p.q ?? .nan, p.finalTrainLoss ?? .nan, p.measuredTime]
        }
        let exponentColumns = (1...exponentCount).map { "lambda_\($0)" }
        let tables = [
            Table(suffix: "", label: "data",
                  columns: ["alpha", "flipped", "lambda_1", "lambda_1_se", "lambda_1_ci95", "sum_lambda", "q", "final_train_loss", "measured_time"],
                  sets: [(String(format: "c = %.3f (M = %d, N = %d), %@ flips", shape.ratio, shape.inputs, shape.hidden, layer.rawValue), mainRows)]),
            Table(suffix: "_running", label: "running", columns: ["t"] + exponentColumns, sets: results.map { a, _, r in
                ("alpha = \(a): running estimates", zip(r.spectrum.runningTimes, r.spectrum.runningEstimates).map { [$0] + $1 })
            }),
            Table(suffix: "_segments", label: "segments", columns: ["segment"] + exponentColumns, sets: results.map { a, _, r in
                ("alpha = \(a): exponents per segment", r.spectrum.segmentExponents.enumerated().map { [Double($0.offset)] + $0.element })
            }),
            Table(suffix: "_critical", label: "critical", columns: ["c", "alpha_c"],
                  sets: [("theory alpha_c(c), \(layer.rawValue) flips", [[shape.ratio, critical ?? .nan]])]),
        ]
        let lines = points.map { p in
            var line = String(format: "alpha = %.3f (%d flipped): lambda_1 = %.4f +- %.4f (95%%: +- %.4f)", p.alpha, p.flipped, p.exponents[0],
                              p.standardErrors[0], p.confidenceHalfWidths[0])
            if exponentCount > 1 { line += "  all: " + p.exponents.map { String(format: "%.4f", $0) }.joined(separator: " ") }
            if let q = p.q { line += String(format: "  q = %.3g", q) }
            if let loss = p.finalTrainLoss { line += String(format: "  train loss %.3g", loss) }
            if p.status != ODEStatus.completed.summary { line += "  [\(p.status)]" }
            return line
        } + [critical.map { String(format: "theory: alpha_%@^c(c = %.3f) = %.3f", layer == .hidden ? "h" : "r", shape.ratio, $0) } ?? "theory: no critical fraction at this c"]
        let constrained = results.first?.problem.normConstraint ?? false
        return StudyReport(
            tables: tables,
            figure: FigurePlan(script: "lyapunov.gp", arguments: [.table(""), .table("_critical"),
                                                                  .text(String(format: "Lyapunov exponent of the learning flow, %@ flips, M = %d, N = %d, seed %llu",
                                                                               layer.rawValue, shape.inputs, shape.hidden, seed))]),
            summary: lines,
            results: Results(inputs: shape.inputs, hidden: shape.hidden, ratio: shape.ratio, layer: layer.rawValue, criticalFraction: critical,
                             interval: results.first?.result.spectrum.interval ?? options.renormalizationInterval, points: points),
            warnings: points.filter { $0.status != ODEStatus.completed.summary }.map { "alpha = \($0.alpha): \($0.status); its exponents cover t = \($0.measuredTime)" },
            notes: ["Lyapunov exponents (per unit flow time) of the full-batch flow by Benettin's method" + (constrained ? ", on the product of the weight spheres" : ""),
                    "se, ci95: standard error and 95% half-width of lambda_1 over \(options.segmentCount) consecutive segments"])
    }
}
