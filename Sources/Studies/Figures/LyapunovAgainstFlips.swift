import CurlTheory
import Foundation
import LearningDynamics
import NumericalKit

/// Beyond the paper: the leading Lyapunov exponent of the full-batch learning flow against the flipped fraction,
/// beside the order parameter q of Fig. 3b, at c = 0.3, 0.4, 0.5, for hidden-layer flips (alpha_h, where the paper
/// calls the unstable phase chaotic) and readout flips (alpha_r, where it reports re-convergence).
///
/// Each cell is one init at (c, alpha): Fig. 3b's setting (a uniform teacher rescaled to |W1|_F = sqrt(N),
/// |W2| = 1, the student on it with every W2 entry shifted by 1e-10, P = 250, the norm constraint, linear) run as
/// the continuous full-batch flow (the small-learning-rate limit of the reference's full-batch epochs: one epoch at
/// lr 0.1 is 0.1 time units). Benettin's method measures lambda_1 on the product of the weight spheres after a
/// transient long enough for the state to leave the teacher and settle, over segments that give its standard
/// error; q is taken over the 99.9 time units (999 epochs at lr 0.1) that follow, on the same trajectory.
public struct LyapunovAgainstFlips: FigureRecipe {
    public let layer: FlipLayer

    public init(layer: FlipLayer) {
        self.layer = layer
    }

    public static let hidden = LyapunovAgainstFlips(layer: .hidden)
    public static let readout = LyapunovAgainstFlips(layer: .readout)

    public var name: String { layer == .hidden ? "lyapunov_hidden" : "lyapunov_readout" }
    public var summary: String {
        "leading Lyapunov exponent of the learning flow and q against alpha_\(layer == .hidden ? "h" : "r") at c = 0.3, 0.4, 0.5 from the normalised teacher, theory alpha^c"
    }

    struct Settings {
        let sizes: [(Int, Int)], alphaPoints: Int, inits: Int, transient: Double, time: Double
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(sizes: [(50, 169), (62, 157), (73, 146)], alphaPoints: 25, inits: 10, transient: 5000, time: 2000)
        case .quick: Settings(sizes: [(17, 56), (21, 52), (24, 49)], alphaPoints: 9, inits: 2, transient: 1500, time: 600)
        }
    }

    static let qWindow = 99.9
    static let segments = 10

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("sizes", s.sizes.map { "\($0.0)x\($0.1)" }.joined(separator: ",")), ("alpha_points", "\(s.alphaPoints)"), ("inits", "\(s.inits)"),
                ("layer", layer == .hidden ? "hidden" : "readout"), ("transient", "\(s.transient)"), ("time", "\(s.time)"), ("interval", "1"),
                ("segments", "\(Self.segments)"), ("q_window", "\(Self.qWindow)"), ("train_size", "250"), ("start", "normalized_teacher+1e-10_on_W2"),
                ("norm_constraint", "true"), ("activation", "lin"), ("flow", "continuous full batch, rk8pd, tolerances 1e-9")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("size", s.sizes.indices.map(Double.init)), ("alpha", GridAxis.linspace(0, 1, s.alphaPoints)),
                          ("init", (0..<s.inits).map(Double.init))])
    }

    /// Flow time in epochs at lr 0.1, as the other recipes count their work.
    public func cost(_ cell: Cell, scale: Scale) -> Double {
        let s = settings(scale)
        return (s.transient + s.time + Self.qWindow) / 0.1
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let s = settings(scale)
        let (m, n) = s.sizes[cell.integer("size")]
        let alpha = cell["alpha"]
        let rule = LearningRule.curl(flippedInputs: layer == .hidden ? .fraction(alpha) : .none, flippedHidden: layer == .readout ? .fraction(alpha) : .none)
        var experiment = Experiment(
            shape: try NetworkShape(inputs: m, hidden: n), activation: NetworkActivation(hidden: .linear, output: .linear),
            teacherInit: .uniform(scale: 1), studentStart: .teacherShifted(w1: 0, w2: 1e-10), trainCount: 250, testCount: 100,
            normConstraint: true, rules: [rule], integrator: .continuous(LearningSolveOptions()))
        experiment.normalizedTeacher = true
        let problem = try experiment.problems(seed: seed)[0]
        var options = LyapunovOptions(measurementTime: s.time)
        options.transientTime = s.transient
        options.segmentCount = Self.segments
        let result = try FullBatchFlow(problem).lyapunovExponents(exponentCount: 1, options: options, qWindow: Self.qWindow)
        let finished = result.spectrum.status.isSuccess
        return CellRecord(key: cell.key, values: [
            "M": Double(m), "N": Double(n), "flipped": Double(layer == .hidden ? problem.signs.flippedInputs : problem.signs.flippedHidden),
            "lambda": finished ? result.spectrum.exponents[0] : .nan, "lambda_se": finished ? result.spectrum.standardErrors[0] : .nan,
            "q": result.q, "final_train": result.finalTrainLoss, "diverged": finished ? 0 : 1,
        ])
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let curves = try CurvesAgainstFlips(sizes: settings(scale).sizes, layer: layer, cells: cells, records: records) { alpha, here in
            let runs = here.filter { ($0.values["lambda"] ?? .nan).isFinite }
            let lambdas = runs.compactMap { $0.values["lambda"] }
            let qs = runs.compactMap { $0.values["q"] }.filter(\.isFinite)
            let lambda = try? SampleSummary(lambdas)
            // Over inits when there are several; a single run's own standard error over its segments otherwise.
            let se = lambdas.count > 1 ? lambda?.standardError ?? .nan : runs.first?.values["lambda_se"] ?? .nan
            let q = try? SampleSummary(qs)
            let flipped = runs.first?.values["flipped"] ?? .nan
            return [alpha, Double(lambdas.count), lambda?.mean ?? .nan, se, lambdas.max() ?? .nan, flipped, q?.mean ?? .nan, q?.standardError ?? .nan]
        }
        let (sets, critical) = (curves.sets, curves.critical)
        let symbol = layer == .hidden ? "alpha_h" : "alpha_r"
        return [
            Table(suffix: "", label: "data", columns: [symbol, "runs", "lambda_1_mean", "lambda_1_se", "lambda_1_max", "flipped", "q_mean", "q_se"], sets: sets,
                  notes: ["lambda_1: leading Lyapunov exponent per unit flow time (per epoch at lr 0.1: times 0.1), on the product of the weight spheres",
                          "lambda_1_se: standard error over inits (over a single run's segments when runs = 1); q over the \(Self.qWindow) time units after the measurement"]),
            Table(suffix: "_critical", label: "critical", columns: ["c", "alpha_c"], sets: [(title: "theory \(symbol)^c(c)", rows: critical)]),
        ]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        zip(tables[0].sets, tables[1].sets[0].rows).map { set, critical in
            let below = set.rows.filter { $0[0] < critical[1] && $0[2].isFinite }
            let above = set.rows.filter { $0[0] > critical[1] && $0[2].isFinite }
            // The largest exponent on each side, with its standard error: positive beyond a few standard errors is chaos.
            func largest(_ rows: [[Double]]) -> String {
                guard let row = rows.max(by: { $0[2] < $1[2] }) else { return "none" }
                return String(format: "%.4f +- %.4f (alpha %.3f, q %.2g)", row[2], row[3], row[0], row[6])
            }
            return String(format: "%@: alpha^c = %.3f; largest lambda_1 below it %@, above it %@", set.title, critical[1], largest(below), largest(above))
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "lyapunov.gp", arguments: [
            .table(""), .table("_critical"),
            .text("Lyapunov exponent of the learning flow and q, linear network, \(layer == .hidden ? "hidden" : "readout") flips, start at the normalised teacher"),
        ])
    }
}
