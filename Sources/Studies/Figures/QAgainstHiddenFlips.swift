import CurlTheory
import Foundation
import LearningDynamics
import NumericalKit

/// Fig. 3b of the curl-descent paper: the order parameter q against the fraction alpha_h of rule-flipped input
/// neurons (hidden-layer flips) at c = 0.3, 0.4, 0.5, started on the normalised teacher. q is the variance of
/// the weights over the last 999 epochs relative to their spread: about 0 when they converge, above 0 when they
/// keep moving. The random-matrix theory puts the jump at alpha_h^c(c).
///
/// Each cell is one init at (c, alpha_h): the reference's sizes (M, N) = (50, 169), (62, 157), (73, 146) (about a
/// third of them at quick scale), int(M alpha_h) flipped inputs, a uniform teacher rescaled to |W1|_F = sqrt(N),
/// |W2| = 1, the student on it with every W2 entry shifted by 1e-10, P = 250, full batch, lr 0.1, the norm
/// constraint, the discrete protocol.
public struct QAgainstHiddenFlips: EpochCountedRecipe {
    public init() {}

    public let name = "fig3b"
    public let summary = "q against the hidden-flip fraction alpha_h at c = 0.3, 0.4, 0.5 from the normalised teacher, theory alpha_h^c"

    struct Settings {
        let sizes: [(Int, Int)], alphaPoints: Int, inits: Int, epochs: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(sizes: [(50, 169), (62, 157), (73, 146)], alphaPoints: 25, inits: 10, epochs: 100_000)
        case .quick: Settings(sizes: [(17, 56), (21, 52), (24, 49)], alphaPoints: 9, inits: 2, epochs: 16000)
        }
    }

    static let window = 999

    /// The reference notebook's critical fractions at the nominal c = 0.3, 0.4, 0.5, read from its 500 x 500 mask
    /// (reference data file fig3b_notebook_critical_lines.csv).
    static let referenceCritical: [(c: Double, alpha: Double)] = [(0.3, 0.569138), (0.4, 0.190381), (0.5, 0.048096)]

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("sizes", s.sizes.map { "\($0.0)x\($0.1)" }.joined(separator: ",")), ("alpha_points", "\(s.alphaPoints)"), ("inits", "\(s.inits)"),
                ("epochs", "\(s.epochs)"), ("q_window_epochs", "\(Self.window)"), ("train_size", "250"), ("batch_size", "250"), ("lr", "0.1"),
                ("start", "normalized_teacher+1e-10_on_W2"), ("norm_constraint", "true"), ("activation", "lin")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        let alphas = (0..<s.alphaPoints).map { Double($0) / Double(s.alphaPoints - 1) }
        return Cell.grid([("size", s.sizes.indices.map(Double.init)), ("alpha", alphas), ("init", (0..<s.inits).map(Double.init))])
    }

    public func epochs(_ scale: Scale) -> Int { settings(scale).epochs }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale, epochs: Int) throws -> CellRecord {
        let s = settings(scale)
        let (m, n) = s.sizes[cell.integer("size")]
        let options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: 250, epochs: epochs, logPoints: 200, windowEpochs: Self.window)
        var experiment = Experiment(
            shape: try NetworkShape(inputs: m, hidden: n), activation: NetworkActivation(hidden: .linear, output: .linear),
            teacherInit: .uniform(scale: 1), studentStart: .teacherShifted(w1: 0, w2: 1e-10), trainCount: 250, testCount: 100,
            normConstraint: true, rules: [.curl(flippedInputs: .fraction(cell["alpha"]), flippedHidden: .count(0))],
            integrator: .discrete(options))
        experiment.normalizedTeacher = true
        let curve = try experiment.run(try experiment.problems(seed: seed)[0])
        let finished = curve.status.isSuccess
        let q = finished && !curve.window.isEmpty ? try OrderParameter.q(window: curve.window) : .nan
        return CellRecord(key: cell.key, values: ["M": Double(m), "N": Double(n), "q": q, "diverged": finished ? 0 : 1,
                                                  "final_train": finished ? curve.finalTrainLoss : .nan])
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let curves = try CurvesAgainstFlips(sizes: settings(scale).sizes, layer: .hidden, cells: cells, records: records) { alpha, here in
            let qs = here.compactMap { $0.values["q"] }.filter(\.isFinite)
            let summary = try? SampleSummary(qs)
            return [alpha, summary?.mean ?? .nan, summary?.standardError ?? .nan, Double(qs.count)]
        }
        let (sets, critical) = (curves.sets, curves.critical)
        return [
            Table(suffix: "", label: "data", columns: ["alpha_h", "q_mean", "q_se", "runs"], sets: sets,
                  notes: ["q over the last \(Self.window) epochs, mean and standard error over the finished inits (runs); a diverged run has no q"]),
            Table(suffix: "_critical", label: "critical", columns: ["c", "alpha_c"], sets: [(title: "theory alpha_h^c(c)", rows: critical)]),
            Table(suffix: "_vs_reference", label: "vs reference",
                  columns: ["c_nominal", "alpha_c_reference_mask", "alpha_c_closed_form", "alpha_jump_low", "alpha_jump_high"],
                  sets: [(title: "critical alpha_h: the reference's mask beside the closed form and the jump of q in this run", rows: zip(Self.referenceCritical, sets).map { reference, set in
                      // The jump: the last alpha with q at round-off (< 1e-12) and the first after it with q above.
                      let low = set.rows.last { $0[1] < 1e-12 }?[0] ?? .nan
                      let high = set.rows.first { $0[0] > low && $0[1] >= 1e-12 }?[0] ?? .nan
                      return [reference.c, reference.alpha, (try? CriticalFraction.value(c: reference.c, layer: .hidden)) ?? .nan, low, high]
                  })],
                  notes: ["alpha_c_reference_mask: the reference notebook's critical lines from its 500 x 500 mask (reference data file fig3b_notebook_critical_lines.csv)",
                          "alpha_jump_low/high: the last alpha_h whose mean q is below 1e-12 and the first larger one whose q is not"]),
        ]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        zip(tables[0].sets, tables[1].sets[0].rows).map { set, critical in
            let below = set.rows.filter { $0[0] < critical[1] && $0[1].isFinite }.map { $0[1] }
            let above = set.rows.filter { $0[0] > critical[1] && $0[1].isFinite }.map { $0[1] }
            return String(format: "%@: alpha_h^c = %.3f; largest q below it %.2g, smallest q above it %.2g", set.title, critical[1],
                          below.max() ?? .nan, above.min() ?? .nan)
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "q_curves.gp", arguments: [.table(""), .table("_critical"), .text("Fig. 3b: linear network, hidden flips, start at the normalised teacher")])
    }
}
