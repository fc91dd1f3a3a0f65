import CurlTheory
import Foundation
import LearningDynamics
import NumericalKit

/// The mixed-flip error maps (the simulated companion of `MixedStabilityMap`): linear networks at c = 0.3 with a
/// fraction alpha_h of the inputs and alpha_r of the hidden neurons rule-flipped at once, started on the solution
/// manifold as in Fig. 4 (teacher, every W1 entry + 1e-15), over the (alpha_h, alpha_r) window of `MixedFlipAxes`:
/// (a) the final test error (mean over inits of log10 E_test) and (b) the largest train error (max over inits and
/// logged epochs of log10 E_train, Fig. 4b's statistic), with the free-addition boundary drawn over both. Below the
/// boundary the start is stable and the error stays at round-off; above it the error grows first.
///
/// The protocol is Fig. 4's: M = int(S/(1 + 1/c)), N = int(S/(1 + c)), uniform teacher (range 1), P = 250, full batch,
/// lr 0.1, norm constraint, 200 log-spaced logging points, int(alpha M) inputs and int(alpha N) hidden neurons flipped.
/// Full: S = 220 (M = 50, N = 169), 21 x 21 grid, 20 inits, 1e5 epochs; quick: S = 100 (M = 23, N = 76), 8 x 8, 2 inits, 3e4 epochs (at 1e4
/// the cells just above the boundary, with lambda_min ~ -0.3, have not yet grown out of round-off).
public struct MixedErrorMap: EpochCountedRecipe {
    public init() {}

    public let name = "mixed_error"
    public let summary = "hidden + readout flips at once from the manifold, linear, c = 0.3: final test and max train error over (alpha_h, alpha_r)"

    static let c = 0.3

    struct Settings {
        let size: Int, points: Int, inits: Int, epochs: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(size: 220, points: 21, inits: 20, epochs: 100_000)
        case .quick: Settings(size: 100, points: 8, inits: 2, epochs: 30000)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        let (m, n) = GridAxis.sizes(c: Self.c, total: s.size)
        return [("c", "\(Self.c)"), ("size", "\(s.size)"), ("inputs_M", "\(m)"), ("hidden_N", "\(n)"), ("alpha_points", "\(s.points)"),
                ("inits", "\(s.inits)"), ("epochs", "\(s.epochs)"), ("train_size", "250"), ("batch_size", "250"), ("lr", "0.1"),
                ("start", "teacher+1e-15_on_W1"), ("norm_constraint", "true"), ("activation", "lin")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return MixedFlipAxes.cells(ratios: [Self.c], points: s.points, trailing: ("init", (0..<s.inits).map(Double.init)))
    }

    public func epochs(_ scale: Scale) -> Int { settings(scale).epochs }

    func experiment(_ cell: Cell, scale: Scale, epochs: Int) throws -> Experiment {
        let (m, n) = GridAxis.sizes(c: cell["c"], total: settings(scale).size)
        return try ManifoldStartRun.experiment(inputs: m, hidden: n, activation: .linear,
                                               rule: .curl(flippedInputs: .fraction(cell["alpha_h"]), flippedHidden: .fraction(cell["alpha_r"])), epochs: epochs)
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale, epochs: Int) throws -> CellRecord {
        let experiment = try experiment(cell, scale: scale, epochs: epochs)
        let problem = try experiment.problems(seed: seed)[0]
        return ManifoldStartRun.record(cell, shape: experiment.shape, curve: try experiment.run(problem),
                                       extra: ["start_lambda_min": try Self.startLambdaMin(problem)])
    }

    /// lambda_min(K) / |w2|^2 of this run's own start, K = |w2|^2 D1 + W1^T D2 W1 (the finite network's verdict; at
    /// M = 23 it can differ from the N, M -> infinity limit by more than the limit's distance to 0).
    static func startLambdaMin(_ problem: TrainingProblem) throws -> Double {
        let w = problem.start
        return try Eigen.symmetricEigenvalues(StabilityMatrix.build(w1: w.w1, w2: w.w2, signs: problem.signs))[0] / Vector.dot(w.w2, w.w2)
    }

    /// Fig. 4's statistics per (alpha_h, alpha_r): nanmean over inits of log10 E_test at the end, max over inits and
    /// logged epochs of log10 E_train (log10 floored at -300 so that an exact 0 stays finite); and the limit's lambda_min.
    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var groups: [Double: [Double: [CellRecord]]] = [:]
        for (cell, record) in zip(cells, records) { groups[cell["alpha_h"], default: [:]][cell["alpha_r"], default: []].append(record) }
        var diverged = 0
        let blocks = try groups.keys.sorted().map { h in
            (title: "alpha_h = \(h)", rows: try groups[h]!.keys.sorted().map { r -> [Double] in
                let here = groups[h]![r]!
                diverged += here.count { $0.values["diverged"] == 1 }
                let finals = here.compactMap { $0.values["final_test"] }.filter { !$0.isNaN }.map { max(-300, log10($0)) }
                let maxima = here.compactMap { $0.values["max_train"] }.filter { !$0.isNaN }.map { max(-300, log10($0)) }
                let starts = here.compactMap { $0.values["start_lambda_min"] }
                return [h, r, finals.isEmpty ? .nan : finals.reduce(0, +) / Double(finals.count), maxima.max() ?? .nan,
                        try MixedFlipSpectrum(c: Self.c, alphaHidden: h, alphaReadout: r).smallestEigenvalue,
                        Double(starts.count { $0 < 0 }) / Double(max(1, starts.count))]
            })
        }
        let (m, n) = GridAxis.sizes(c: Self.c, total: s.size)
        return [
            Table(suffix: "", label: "data", columns: ["alpha_h", "alpha_r", "log10_final_test", "log10_max_train", "theory_lambda_min", "unstable_start_fraction"],
                  sets: blocks, layout: .gridScanLines,
                  notes: ["M = \(m), N = \(n); log10_final_test: mean over the \(s.inits) inits of log10 E_test at the end (NaN if every run diverged)",
                          "log10_max_train: max over inits and logged epochs of log10 E_train; \(diverged) run(s) diverged",
                          "theory_lambda_min: the limit N, M -> infinity of lambda_min(K) (< 0: the start is unstable)",
                          "unstable_start_fraction: the inits whose own start has lambda_min(K) < 0 (the finite network's verdict)"]),
            try MixedFlipAxes.boundaryTable(c: Self.c, suffix: "_boundary"),
        ]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let rows = tables[0].sets.flatMap(\.rows)
        func mean(_ values: [Double]) -> Double {
            let finite = values.filter(\.isFinite)
            return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
        }
        let (stable, unstable) = (rows.filter { $0[4] > 0 }, rows.filter { $0[4] <= 0 })
        let ownUnstable = rows.filter { $0[5] == 1 }, ownStable = rows.filter { $0[5] == 0 }
        return [String(format: "theory-stable cells (%d): mean log10 max train error %.1f, mean log10 final test error %.1f",
                       stable.count, mean(stable.map { $0[3] }), mean(stable.map { $0[2] })),
                String(format: "theory-unstable cells (%d): mean log10 max train error %.1f, mean log10 final test error %.1f",
                       unstable.count, mean(unstable.map { $0[3] }), mean(unstable.map { $0[2] })),
                String(format: "cells whose every start has lambda_min(K) < 0 (%d): %d with max train error above 1e-10; "
                           + "cells whose every start is stable (%d): %d above 1e-10; theory and start verdicts agree at %d of %d cells",
                       ownUnstable.count, ownUnstable.count { $0[3] > -10 }, ownStable.count, ownStable.count { $0[3] > -10 },
                       rows.count { ($0[4] <= 0) == ($0[5] >= 0.5) }, rows.count)]
    }

    public var figure: FigurePlan {
        FigurePlan(script: "mixed_maps.gp", arguments: [.text("sequential"), .table(""), .table("_boundary"), .text("none"),
                                                        .table(""), .table("_boundary"), .text("none")],
                   titles: ["Mixed flips, linear network at c = 0.3, start on the manifold",
                            "3", "(a) final test error (mean over inits)", "mean log_{10} E_{test} at the last epoch",
                            "4", "(b) largest train error (max over inits and time)", "log_{10} max_t E_{train}"])
    }
}
