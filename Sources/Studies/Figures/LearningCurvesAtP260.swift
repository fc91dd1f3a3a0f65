import Foundation
import LearningDynamics
import NumericalKit

/// Fig. 5b of the curl-descent paper: the mean test-error learning curves of gradient descent and curl descent (one
/// flipped readout neuron) in the tanh 100-10-1 network at P = 260 (the fig5c setting: init_range 2, uniform,
/// B = 10, lr 0.1, norm constraint, 100 logging points), mean +- standard error over the inits.
///
/// Each cell is one init: both rules from the same seed, run to the last epoch (no early stop, the whole curve is drawn).
public struct LearningCurvesAtP260: FigureRecipe {
    public init() {}

    public let name = "fig5b"
    public let summary = "tanh 100-10-1, P = 260: mean test-error learning curves of GD and curl (one flipped readout neuron)"

    func setup(_ scale: Scale) -> (setup: ThresholdSetup, inits: Int) {
        var s = ThresholdSetup()
        s.trainCount = 260
        switch scale {
        case .full: s.epochs = 100_000; return (s, 40)
        case .quick: s.epochs = 10_000; return (s, 8)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let (s, inits) = setup(scale)
        return [("inits", "\(inits)"), ("epochs", "\(s.epochs)"), ("train_size", "\(s.trainCount)"), ("network", "100-10-1"), ("activation", "tanh"),
                ("init_range", "\(s.studentScale)"), ("teacher_range", "\(s.teacherScale)"), ("flipped_hidden", "\(s.flippedHidden)"),
                ("batch_size", "10"), ("lr", "0.1"), ("log_points", "100"), ("norm_constraint", "true")]
    }

    public func cells(_ scale: Scale) -> [Cell] { Cell.grid([("init", (0..<setup(scale).inits).map(Double.init))]) }

    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(setup(scale).setup.epochs) }

    public func secondsPerEpoch(_ cell: Cell, scale: Scale) throws -> Double { try setup(scale).setup.secondsPerEpoch() }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        try setup(scale).setup.pairedRecord(key: cell.key, seed: seed, stopEarly: false, keepCurves: true)
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        var sets: [(title: String, rows: [[Double]])] = []
        for (rule, title) in [("gd", "gradient descent"), ("curl", "curl descent (one flipped readout neuron)")] {
            let finished = records.filter { $0.values["\(rule)_diverged"] == 0 }
            let curves = finished.compactMap { $0.series["\(rule)_test"] }
            let epochs = finished.first?.series["epochs"] ?? []
            let length = curves.map(\.count).min() ?? 0
            let rows = (0..<min(length, epochs.count)).map { k -> [Double] in
                let summary = try? SampleSummary(curves.map { $0[k] })
                let (mean, se) = (summary?.mean ?? .nan, summary?.standardError ?? .nan)
                // The band's lower edge is kept positive for the log axis (a tenth of the mean at most).
                return [epochs[k], mean, se, max(mean - se, mean / 10), mean + se]
            }
            sets.append((title: title, rows: rows))
        }
        let point = ThresholdReduction.reduce(records, loss: .test)
        return [Table(suffix: "", label: "data", columns: ["epoch", "test_mean", "test_se", "band_low", "band_high"], sets: sets,
                      notes: ["mean and standard error over \(records.count) inits of the test error at the logged epochs (epoch 0: before training)",
                              String(format: "epochs to test error 1e-3: GD %.0f +- %.0f (%d reached), curl %.0f +- %.0f (%d reached); paired t = %.2f, p = %.2g",
                                     point.gd?.mean ?? .nan, point.gd?.standardError ?? .nan, point.gdReached, point.curl?.mean ?? .nan,
                                     point.curl?.standardError ?? .nan, point.curlReached, point.test?.t ?? .nan, point.test?.pValue ?? .nan)])]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let sets = tables[0].sets
        var lines = sets.map { set in
            String(format: "%@: mean test error %.3g at the start, %.3g at the end (epoch %.0f)", set.title, set.rows.first?[1] ?? .nan,
                   set.rows.last?[1] ?? .nan, set.rows.last?[0] ?? .nan)
        }
        lines.append(tables[0].notes[1])
        return lines
    }

    public var figure: FigurePlan {
        FigurePlan(script: "fig5b_curves.gp", arguments: [.table(""), .text("Fig. 5b: tanh 100-10-1, P = 260, mean test error (+- SE)")])
    }
}
