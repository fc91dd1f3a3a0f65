import CurlTheory
import Foundation
import LearningDynamics

/// Fig. 4 of the curl-descent paper: linear networks with rule-flipped readout (hidden) neurons, started on the
/// solution manifold. (a) the final test error and (b) the largest train error over the run, against c = M/N
/// (log) and the flipped fraction alpha_r, with the random-matrix boundary alpha_r^c(c) drawn over both maps.
/// Below the boundary the manifold is stable and the error stays at round-off; above it the error first grows
/// (a large max-error cell) and then converges again on another, stable, part of the manifold (low final error).
///
/// Each cell is one init at (c, alpha_r): M + N = S - 1 with N = int(S / (1 + c)), M = int(S / (1 + 1/c)),
/// int(N alpha_r) flipped hidden neurons, a uniform teacher (range 1), the student on the teacher with every
/// W1 entry shifted by 1e-15, P = 250 samples, full batch, lr 0.1, the norm constraint, the reference's
/// discrete protocol with 200 log-spaced logging points. Full scale: c = logspace(-2, 1, 20), alpha_r = linspace(0, 1, 21),
/// S = 220, 20 inits, 1e5 epochs.
///
/// Fig. 8 is the same figure with tanh on the hidden layer and at the output of teacher and student; its boundary is
/// still the linear theory.
public struct ReadoutFlipMaps: EpochCountedRecipe {
    /// The nonlinearity of teacher and student, on the hidden layer and at the output: linear for Fig. 4, tanh for Fig. 8.
    public let activation: Activation

    public init(activation: Activation = .linear) {
        self.activation = activation
    }

    public static let fig4 = ReadoutFlipMaps(activation: .linear)
    public static let fig8 = ReadoutFlipMaps(activation: .tanh)

    public var name: String { activation == .linear ? "fig4" : activation == .tanh ? "fig8" : "fig4_\(activation.rawValue)" }
    public var summary: String {
        "readout flips from the manifold, \(activation.rawValue): final test error and max train error over (c, alpha_r), linear theory boundary"
    }

    struct Settings {
        let size: Int, cPoints: Int, alphaPoints: Int, inits: Int, epochs: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(size: 220, cPoints: 20, alphaPoints: 21, inits: 20, epochs: 100_000)
        case .quick: Settings(size: 60, cPoints: 10, alphaPoints: 6, inits: 2, epochs: 10000)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("size", "\(s.size)"), ("c_points", "\(s.cPoints)"), ("alpha_points", "\(s.alphaPoints)"), ("inits", "\(s.inits)"),
                ("epochs", "\(s.epochs)"), ("train_size", "250"), ("batch_size", "250"), ("lr", "0.1"), ("start", "teacher+1e-15_on_W1"),
                ("norm_constraint", "true"), ("activation", activation.rawValue)]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("c", GridAxis.logspace(-2, 1, s.cPoints)), ("alpha", GridAxis.linspace(0, 1, s.alphaPoints)),
                          ("init", (0..<s.inits).map(Double.init))])
    }

    static func sizes(c: Double, total: Int) -> (inputs: Int, hidden: Int) { GridAxis.sizes(c: c, total: total) }

    public func epochs(_ scale: Scale) -> Int { settings(scale).epochs }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale, epochs: Int) throws -> CellRecord {
        let (m, n) = Self.sizes(c: cell["c"], total: settings(scale).size)
        let experiment = try ManifoldStartRun.experiment(inputs: m, hidden: n, activation: activation,
                                                         rule: .curl(flippedInputs: .count(0), flippedHidden: .fraction(cell["alpha"])), epochs: epochs)
        return ManifoldStartRun.record(cell, shape: experiment.shape, curve: try experiment.run(try experiment.problems(seed: seed)[0]))
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var blocks: [(title: String, rows: [[Double]])] = []
        var diverged = 0
        for c in Array(Set(cells.map { $0["c"] })).sorted() {
            var rows: [[Double]] = []
            for alpha in Array(Set(cells.map { $0["alpha"] })).sorted() {
                let here = zip(cells, records).filter { $0.0["c"] == c && $0.0["alpha"] == alpha }.map(\.1)
                diverged += here.count { $0.values["diverged"] == 1 }
                // The reference's statistics: nanmean over inits of log10 E_test (no floor); max over inits of the
                // max over logged epochs of log10 E_train. log10 is floored at -300 so an exact 0 stays finite.
                let finalLogs = here.compactMap { $0.values["final_test"] }.filter { !$0.isNaN }.map { max(-300, log10($0)) }
                let maxLogs = here.compactMap { $0.values["max_train"] }.filter { !$0.isNaN }.map { max(-300, log10($0)) }
                rows.append([c, alpha, finalLogs.isEmpty ? .nan : finalLogs.reduce(0, +) / Double(finalLogs.count), maxLogs.max() ?? .nan])
            }
            blocks.append((title: "c = \(c)", rows: rows))
        }
        let (lo, hi) = (cells.map { $0["c"] }.min() ?? 0.01, cells.map { $0["c"] }.max() ?? 10)
        let boundary = try (0..<200).map { k -> [Double] in
            let c = lo * pow(hi / lo, Double(k) / 199)
            return [c, try CriticalFraction.value(c: c, layer: .readout)]
        }
        return [
            Table(suffix: "", label: "data", columns: ["c", "alpha", "log10_final_test", "log10_max_train"], sets: blocks, layout: .gridScanLines,
                  notes: ["log10_final_test: mean over the \(s.inits) inits of log10 E_test at the end (NaN for a cell whose every run diverged)",
                          "log10_max_train: max over inits and logged epochs of log10 E_train; \(diverged) run(s) diverged"]),
            Table(suffix: "_boundary", label: "boundary", columns: ["c", "alpha_c"], sets: [(title: "theory alpha_r^c(c)", rows: boundary)]),
        ]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let rows = tables[0].sets.flatMap(\.rows)
        let unstable = rows.filter { (try? CriticalFraction.isUnstable(c: $0[0], alpha: $0[1], layer: .readout)) == true }
        let stable = rows.filter { (try? CriticalFraction.isUnstable(c: $0[0], alpha: $0[1], layer: .readout)) == false }
        func mean(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        return [String(format: "below the boundary (%d cells): mean log10 max train error %.1f, mean log10 final test error %.1f",
                       stable.count, mean(stable.map { $0[3] }), mean(stable.map { $0[2] })),
                String(format: "above the boundary (%d cells): mean log10 max train error %.1f, mean log10 final test error %.1f",
                       unstable.count, mean(unstable.map { $0[3] }), mean(unstable.map { $0[2] }))]
    }

    public var figure: FigurePlan {
        let title = activation == .linear ? "Fig. 4: linear network" : activation == .tanh ? "Fig. 8: tanh network" : "\(activation.rawValue) network"
        return FigurePlan(script: "heatmaps.gp", arguments: [
            .table(""), .table("_boundary"), .text("log"), .text("rule-flipped fraction {/Symbol a}_r (readout layer)"),
            .text("\(title), readout flips, start on the manifold" + (activation == .linear ? "" : " (linear theory)")),
            .text("3|(a) final test error (mean over inits)|mean log_{10} E_{test} at the last epoch"),
            .text("4|(b) largest train error (max over inits and time)|log_{10} max_t E_{train}"),
        ])
    }
}
