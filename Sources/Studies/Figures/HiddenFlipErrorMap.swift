import CurlTheory
import Foundation
import LearningDynamics

/// Figs. 3a, 3a inset, 6a and 6b of the curl-descent paper: the final test error of curl descent with rule-flipped
/// input neurons (hidden-layer flips, alpha_h) from a random start, as a heat map over the ratio c = M/N and
/// alpha_h, with the random-matrix boundary alpha_h^c(c) of the linear network drawn over it. Below the boundary
/// the solution manifold is stable and the error falls to the floor; above it the weights keep moving and the
/// error stays high.
///
/// Each cell is one init at (c, alpha_h): N = int(220 / (1 + c)) hidden neurons, M = int(220 / (1 + 1/c)) inputs,
/// int(M alpha_h) flipped inputs, teacher and student drawn uniformly (range 1), P = 250 training and 100 test
/// samples, minibatches of B = 10, lr 0.1, the norm constraint, the reference's discrete protocol.
/// * fig3a: linear network; c = logspace(-1, 2, 20) on a log axis, alpha_h = linspace(0, 1, 21), 1e5 epochs, 10 inits.
/// * fig3a_inset: linear; c = linspace(0.1, 0.7, 20) on a linear axis, the same alpha_h, 2e4 epochs, 10 inits.
/// * fig6a: fig3a with tanh on the hidden layer and at the output (teacher and student).
/// * fig6b: the inset with tanh, 1e5 epochs (the reference's fig6b argList; the linear inset used 2e4).
/// The statistic is the reference's: the mean over inits of log10(round(E_test, 15) + 1e-15), so an error that
/// rounds to 0 counts as 1e-15. The row alpha_h = 0 (gradient descent) is computed but not drawn; it has its own
/// table. The boundary of the tanh maps is the linear theory, as in the paper.
///
/// Quick scale (under a minute of one core in a release build): M + N of 40-80, 7-10 values of c, alpha_h in steps of
/// 0.1 (linear) or 0.2 (tanh), 1-2 inits, 2500 (linear) or 5000-10000 (tanh) epochs. The linear maps reach the floor
/// below the boundary; tanh converges slowly (a power law), so its quick maps contrast about 1e-4 (as low as gradient
/// descent gets in that time) with 1e-2 above the boundary. At c = 100 the quick sizes leave N = 1 hidden neuron,
/// where even gradient descent cannot fit the teacher under the norm constraint (the alpha_h = 0 table shows it).
public struct HiddenFlipErrorMap: EpochCountedRecipe {
    public enum Axis: String, Sendable {
        /// c = logspace(-1, 2, 20), log axis.
        case wide
        /// c = linspace(0.1, 0.7, 20), linear axis.
        case zoom
    }

    public let name: String
    public let activation: Activation
    public let axis: Axis
    public let fullEpochs: Int

    public init(name: String, activation: Activation, axis: Axis, fullEpochs: Int) {
        self.name = name
        self.activation = activation
        self.axis = axis
        self.fullEpochs = fullEpochs
    }

    public static let fig3a = HiddenFlipErrorMap(name: "fig3a", activation: .linear, axis: .wide, fullEpochs: 100_000)
    public static let fig3aInset = HiddenFlipErrorMap(name: "fig3a_inset", activation: .linear, axis: .zoom, fullEpochs: 20_000)
    public static let fig6a = HiddenFlipErrorMap(name: "fig6a", activation: .tanh, axis: .wide, fullEpochs: 100_000)
    public static let fig6b = HiddenFlipErrorMap(name: "fig6b", activation: .tanh, axis: .zoom, fullEpochs: 100_000)

    public var summary: String {
        "hidden flips from a random start, \(activation.rawValue): final test error over (c, alpha_h)"
            + (axis == .zoom ? " zoomed on c = 0.1-0.7" : "") + ", linear theory boundary"
    }

    static let trainCount = 250, batchSize = 10

    struct Settings {
        let size: Int, cs: [Double], alphas: [Double], inits: Int, epochs: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch (scale, axis) {
        case (.full, .wide):
            Settings(size: 220, cs: GridAxis.logspace(-1, 2, 20), alphas: GridAxis.linspace(0, 1, 21), inits: 10, epochs: fullEpochs)
        case (.full, .zoom):
            Settings(size: 220, cs: GridAxis.linspace(0.1, 0.7, 20), alphas: GridAxis.linspace(0, 1, 21), inits: 10, epochs: fullEpochs)
        case (.quick, .wide):
            activation == .linear
                ? Settings(size: 60, cs: GridAxis.logspace(-1, 2, 10), alphas: GridAxis.linspace(0, 1, 11), inits: 2, epochs: 2500)
                : Settings(size: 40, cs: GridAxis.logspace(-1, 2, 7), alphas: GridAxis.linspace(0, 1, 6), inits: 1, epochs: 10_000)
        case (.quick, .zoom):
            activation == .linear
                ? Settings(size: 80, cs: GridAxis.linspace(0.1, 0.7, 10), alphas: GridAxis.linspace(0, 1, 11), inits: 2, epochs: 2500)
                : Settings(size: 60, cs: GridAxis.linspace(0.1, 0.7, 7), alphas: GridAxis.linspace(0, 1, 6), inits: 1, epochs: 5000)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("size", "\(s.size)"), ("c_axis", axis == .wide ? "logspace(-1,2,\(s.cs.count))" : "linspace(0.1,0.7,\(s.cs.count))"),
                ("alpha_points", "\(s.alphas.count)"), ("inits", "\(s.inits)"), ("epochs", "\(s.epochs)"), ("train_size", "\(Self.trainCount)"),
                ("batch_size", "\(Self.batchSize)"), ("lr", "0.1"), ("start", "random_uniform_1"), ("teacher", "uniform_1"),
                ("norm_constraint", "true"), ("activation", activation.rawValue)]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("c", s.cs), ("alpha", s.alphas), ("init", (0..<s.inits).map(Double.init))])
    }

    public func epochs(_ scale: Scale) -> Int { settings(scale).epochs }

    /// `--dry-run` times a 300-epoch run of a cell.
    public var timingEpochs: Int { 300 }

    func experiment(_ cell: Cell, scale: Scale, epochs: Int) throws -> Experiment {
        let (m, n) = GridAxis.sizes(c: cell["c"], total: settings(scale).size)
        let options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: Self.batchSize, epochs: epochs, logPoints: 100)
        return Experiment(
            shape: try NetworkShape(inputs: m, hidden: n), activation: .reference(activation), teacherInit: .uniform(scale: 1),
            studentStart: .random(.uniform(scale: 1)), trainCount: Self.trainCount, testCount: 100, normConstraint: true,
            rules: [.curl(flippedInputs: .fraction(cell["alpha"]), flippedHidden: .count(0))], integrator: .discrete(options))
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale, epochs: Int) throws -> CellRecord {
        let experiment = try experiment(cell, scale: scale, epochs: epochs)
        let problem = try experiment.problems(seed: seed)[0]
        let curve = try experiment.run(problem)
        let finished = curve.status.isSuccess
        let (m, n) = (experiment.shape.inputs, experiment.shape.hidden)
        let flipped = try FlipCount.fraction(cell["alpha"]).resolved(layerSize: m, layerName: "inputs")
        return CellRecord(key: cell.key, values: ["M": Double(m), "N": Double(n), "flipped": Double(flipped), "diverged": finished ? 0 : 1,
                                                  "final_test": finished ? curve.finalTestLoss : .nan])
    }

    /// The reference's floored error: log10(round(E, 15) + 1e-15), rounding as numpy does (scale, round half to even,
    /// unscale), so any error below 5e-16 gives -15.
    public static func flooredLog10(_ error: Double) -> Double {
        let rounded = (error * 1e15).rounded(.toNearestOrEven) / 1e15
        return log10(max(rounded, 0) + 1e-15)
    }

    /// The mean over the runs of a cell of the floored log10 test error; runs that diverged (NaN) are left out.
    static func cellStatistic(_ records: [CellRecord]) -> (mean: Double, runs: Int) {
        let logs = records.compactMap { $0.values["final_test"] }.filter { !$0.isNaN }.map(flooredLog10)
        return (logs.isEmpty ? .nan : logs.reduce(0, +) / Double(logs.count), logs.count)
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var blocks: [(title: String, rows: [[Double]])] = []
        var gradient: [[Double]] = []
        let diverged = records.count { $0.values["diverged"] == 1 }
        let cs = Array(Set(cells.map { $0["c"] })).sorted()
        for c in cs {
            var rows: [[Double]] = []
            for alpha in Array(Set(cells.map { $0["alpha"] })).sorted() {
                let (mean, runs) = Self.cellStatistic(zip(cells, records).filter { $0.0["c"] == c && $0.0["alpha"] == alpha }.map(\.1))
                if alpha == 0 { gradient.append([c, mean, Double(runs)]) } else { rows.append([c, alpha, mean, Double(runs)]) }
            }
            blocks.append((title: "c = \(c)", rows: rows))
        }
        // The theory is drawn for c >= 0.1, as in the reference, on the spacing of the map's c axis.
        let (lo, hi) = (max(0.1, cs.first ?? 0.1), max(0.1, cs.last ?? 100))
        let boundary = try (0..<400).map { k -> [Double] in
            let t = Double(k) / 399
            let c = axis == .wide ? lo * pow(hi / lo, t) : lo + (hi - lo) * t
            return [c, try CriticalFraction.value(c: c, layer: .hidden)]
        }
        return [
            Table(suffix: "", label: "data", columns: ["c", "alpha_h", "mean_log10_test", "runs"], sets: blocks, layout: .gridScanLines,
                  notes: ["mean_log10_test: mean over the \(s.inits) init(s) of log10(round(E_test, 15) + 1e-15) at the last epoch (floored at -15)",
                          "rows alpha_h = 0 (gradient descent) are in the _gd table; \(diverged) run(s) diverged and are left out (runs)"]),
            Table(suffix: "_boundary", label: "boundary", columns: ["c", "alpha_c"], sets: [(title: "linear theory alpha_h^c(c)", rows: boundary)]),
            Table(suffix: "_gd", label: "gradient descent", columns: ["c", "mean_log10_test", "runs"], sets: [(title: "alpha_h = 0", rows: gradient)],
                  notes: ["the same statistic at alpha_h = 0 (no flipped neuron: gradient descent)"]),
        ]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let rows = tables[0].sets.flatMap(\.rows)
        func unstable(_ row: [Double]) -> Bool? { try? CriticalFraction.isUnstable(c: row[0], alpha: row[1], layer: .hidden) }
        func mean(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        let below = rows.filter { unstable($0) == false }.map { $0[2] }
        let above = rows.filter { unstable($0) == true }.map { $0[2] }
        let gd = tables.count > 2 ? tables[2].sets.flatMap(\.rows).map { $0[1] } : []
        return [String(format: "below the boundary (%d cells): mean log10 test error %.1f (highest cell %.1f)", below.count, mean(below),
                       below.filter(\.isFinite).max() ?? .nan),
                String(format: "above the boundary (%d cells): mean log10 test error %.1f (lowest cell %.1f)", above.count, mean(above),
                       above.filter(\.isFinite).min() ?? .nan),
                String(format: "gradient descent (alpha_h = 0, %d values of c): mean log10 test error %.1f", gd.count, mean(gd))]
    }

    public var figure: FigurePlan {
        let what = activation == .linear ? "linear network" : "\(activation.rawValue) network"
        let figureName = ["fig3a": "Fig. 3a", "fig3a_inset": "Fig. 3a (inset)", "fig6a": "Fig. 6a", "fig6b": "Fig. 6b"][name] ?? name
        return FigurePlan(script: "heatmaps.gp", arguments: [
            .table(""), .table("_boundary"), .text(axis == .wide ? "log" : "lin"), .text("rule-flipped fraction {/Symbol a}_h (hidden layer)"),
            .text("\(figureName): \(what), hidden flips, random start"),
            .text("3|final test error of curl descent (mean over inits)|mean log_{10}(E_{test} + 10^{-15}) at the last epoch|-15:0"),
        ])
    }
}
