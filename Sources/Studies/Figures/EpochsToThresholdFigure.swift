import Foundation
import LearningDynamics
import NumericalKit

/// Figs. 5c-f, 10ab, 10c and 11a-d of the curl-descent paper: epochs to a test error of 1e-3 for gradient descent and
/// curl descent (one flipped readout neuron unless the axis is the flipped fraction) against one parameter of the
/// task, in a tanh (or ReLU, or linear) 100-10-1 network. One recipe per figure, all of this shape; they differ in
/// the axis, its grid, the variants (activation, init distribution), inits, epochs and the norm constraint.
///
/// Each cell is one init at one grid value: GD and curl run from the same seed (same teacher, start and data). A run
/// stops once its test and train errors have both crossed 1e-3 (`ThresholdSetup.experiment(stopEarly:)`), which
/// changes no statistic; a run that never crosses counts as the last epoch (the reference's convention).
public struct EpochsToThresholdFigure: FigureRecipe {
    public enum Axis: String, Sendable {
        case trainSize = "P", studentScale = "init_range", teacherScale = "teacher_range", flippedFraction = "alpha_r"

        func apply(_ x: Double, to setup: inout ThresholdSetup) {
            switch self {
            case .trainSize: setup.trainCount = Int(x.rounded())
            case .studentScale: setup.studentScale = x
            case .teacherScale: setup.teacherScale = x
            case .flippedFraction: setup.flippedHidden = Int((x * Double(ThresholdSetup.hidden)).rounded())
            }
        }
    }

    /// A curve family of the figure: its activation and init distribution and its grid at each scale.
    public struct Variant: Sendable {
        public let title: String
        public let activation: Activation
        public let normalInit: Bool
        public let full: [Double]
        public let quick: [Double]
        /// The variant's training-set size (full, quick) when the axis is not P and it differs from the figure's.
        public let trainCount: (full: Int, quick: Int)?

        public init(title: String, activation: Activation, normalInit: Bool = false, full: [Double], quick: [Double],
                    trainCount: (full: Int, quick: Int)? = nil) {
            self.title = title
            self.activation = activation
            self.normalInit = normalInit
            self.full = full
            self.quick = quick
            self.trainCount = trainCount
        }
    }

    /// Numbers the reference printed (curl-descent.md section 6, data/fig5*_nb_*.csv): the mean over inits of the
    /// epochs to a *train* error below 1e-3 (GD, curl) and the paired t-tests on the test epochs (x = 0: pooled).
    public struct Reference: Sendable {
        public let trainSource: String
        public let trainEpochs: [(x: Double, gd: Double, curl: Double)]
        public let tTestSource: String?
        public let tTests: [(x: Double, t: Double, p: Double, df: Int)]
    }

    public let name: String
    public let summary: String
    public let axis: Axis
    public let xLabel: String
    public let variants: [Variant]
    /// Everything but the axis and the variant's activation and init distribution, at full scale.
    public let base: ThresholdSetup
    public let inits: (full: Int, quick: Int)
    public let epochs: (full: Int, quick: Int)
    /// The quick scale's training-set size when the axis is not P (nil: the full one).
    public let quickTrainCount: Int?
    /// Pool the t-test over the grid values up to this one (the reference's fig5f pools alpha_r 0.1-0.6), else all.
    public let pooledUpTo: Double?
    /// Draw only curl against the axis, with GD pooled over the grid as a horizontal band (fig5f, fig11d); the data
    /// table still holds GD per grid value.
    public let gdBand: Bool
    public let reference: Reference?
    public let figureTitle: String

    func setup(_ cell: Cell, scale: Scale) -> ThresholdSetup {
        var s = base
        let variant = variants[variantIndex(cell)]
        s.activation = variant.activation
        s.normalInit = variant.normalInit
        s.epochs = scale == .full ? epochs.full : epochs.quick
        if scale == .quick, let p = quickTrainCount { s.trainCount = p }
        if let p = variant.trainCount { s.trainCount = scale == .full ? p.full : p.quick }
        axis.apply(cell[axis.rawValue], to: &s)
        return s
    }

    func variantIndex(_ cell: Cell) -> Int { variants.count > 1 ? cell.integer("variant") : 0 }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let full = scale == .full
        var s = base
        s.epochs = full ? epochs.full : epochs.quick
        if !full, let p = quickTrainCount { s.trainCount = p }
        var list: [(String, String)] = [
            ("axis", axis.rawValue), ("inits", "\(full ? inits.full : inits.quick)"), ("epochs", "\(s.epochs)"),
            ("network", "\(ThresholdSetup.inputs)-\(ThresholdSetup.hidden)-1"), ("batch_size", "\(ThresholdSetup.batchSize)"),
            ("lr", "\(ThresholdSetup.learningRate)"), ("log_points", "\(ThresholdSetup.logPoints)"), ("test_points", "\(ThresholdSetup.testCount)"),
            ("threshold", "\(ThresholdSetup.threshold)"), ("norm_constraint", "\(s.normConstraint)"), ("rules", "gd,curl"),
        ]
        if axis != .trainSize { list.append(("train_size", "\(s.trainCount)")) }
        if axis != .studentScale { list.append(("init_range", "\(s.studentScale)")) }
        if axis != .teacherScale { list.append(("teacher_range", "\(s.teacherScale)")) }
        if axis != .flippedFraction { list.append(("flipped_hidden", "\(s.flippedHidden)")) }
        for (k, v) in variants.enumerated() {
            let p = v.trainCount.map { "/P=\(full ? $0.full : $0.quick)" } ?? ""
            list.append(("variant\(k)", "\(v.activation.rawValue)/\(v.normalInit ? "normal" : "uniform")\(p):" + (full ? v.full : v.quick).map { "\($0)" }.joined(separator: ",")))
        }
        return list
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let count = scale == .full ? inits.full : inits.quick
        var cells: [Cell] = []
        for (k, variant) in variants.enumerated() {
            for x in scale == .full ? variant.full : variant.quick {
                for i in 0..<count {
                    let head: [(String, Double)] = variants.count > 1 ? [("variant", Double(k))] : []
                    cells.append(Cell(index: cells.count, parameters: head + [(axis.rawValue, x), ("init", Double(i))]))
                }
            }
        }
        return cells
    }

    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(setup(cell, scale: scale).epochs) }

    public func secondsPerEpoch(_ cell: Cell, scale: Scale) throws -> Double { try setup(cell, scale: scale).secondsPerEpoch() }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        try setup(cell, scale: scale).pairedRecord(key: cell.key, seed: seed)
    }

    /// Records grouped by (variant, grid value), in grid order.
    func groups(_ records: [CellRecord], cells: [Cell]) -> [(variant: Int, x: Double, records: [CellRecord])] {
        var order: [String] = []
        var grouped: [String: (Int, Double, [CellRecord])] = [:]
        for (cell, record) in zip(cells, records) {
            let key = "\(variantIndex(cell)) \(cell[axis.rawValue])"
            if grouped[key] == nil { order.append(key); grouped[key] = (variantIndex(cell), cell[axis.rawValue], []) }
            grouped[key]!.2.append(record)
        }
        return order.map { grouped[$0]! }.map { (variant: $0.0, x: $0.1, records: $0.2) }
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let groups = groups(records, cells: cells)
        let s = base
        let lastEpoch = (scale == .full ? epochs.full : epochs.quick) - 1
        var curves: [(title: String, rows: [[Double]])] = []
        var tests: [(title: String, rows: [[Double]])] = []
        var band: [[Double]] = []
        var diverged = 0
        for (k, variant) in variants.enumerated() {
            let mine = groups.filter { $0.variant == k }
            var rows: [String: [[Double]]] = ["gd": [], "curl": []]
            var testRows: [[Double]] = []
            for g in mine {
                let test = ThresholdReduction.reduce(g.records, loss: .test)
                let train = ThresholdReduction.reduce(g.records, loss: .train)
                diverged += g.records.count { $0.values["gd_diverged"] == 1 } + g.records.count { $0.values["curl_diverged"] == 1 }
                rows["gd"]!.append([g.x, test.gd?.mean ?? .nan, test.gd?.standardError ?? .nan, Double(test.gdReached), Double(test.runs),
                                    train.gd?.mean ?? .nan, train.gd?.standardError ?? .nan])
                rows["curl"]!.append([g.x, test.curl?.mean ?? .nan, test.curl?.standardError ?? .nan, Double(test.curlReached), Double(test.runs),
                                      train.curl?.mean ?? .nan, train.curl?.standardError ?? .nan])
                testRows.append([g.x, test.test?.t ?? .nan, test.test?.pValue ?? .nan, Double(test.test?.degreesOfFreedom ?? 0),
                                 test.test?.meanDifference ?? .nan])
            }
            let pooledRecords = mine.filter { pooledUpTo == nil || $0.x <= pooledUpTo! + 1e-12 }.flatMap(\.records)
            let pooled = ThresholdReduction.reduce(pooledRecords, loss: .test)
            testRows.append([0, pooled.test?.t ?? .nan, pooled.test?.pValue ?? .nan, Double(pooled.test?.degreesOfFreedom ?? 0),
                             pooled.test?.meanDifference ?? .nan])
            let prefix = variants.count > 1 ? "\(variant.title): " : ""
            curves.append((title: prefix + "gradient descent", rows: rows["gd"]!))
            curves.append((title: prefix + "curl descent", rows: rows["curl"]!))
            tests.append((title: prefix + "GD vs curl (last row, x = 0: pooled" + (pooledUpTo.map { " over x <= \($0)" } ?? "") + ")", rows: testRows))
            if gdBand {
                let all = try? SampleSummary(mine.flatMap(\.records).map { $0.values["gd_test_epochs"] ?? .nan })
                for x in [mine.first?.x ?? 0, mine.last?.x ?? 1] {
                    band.append([x, all?.mean ?? .nan, (all?.mean ?? .nan) - (all?.standardError ?? .nan), (all?.mean ?? .nan) + (all?.standardError ?? .nan)])
                }
            }
        }
        var tables = [
            Table(suffix: "", label: "data", columns: [axis.rawValue, "test_epochs_mean", "test_epochs_se", "reached", "runs", "train_epochs_mean", "train_epochs_se"],
                  sets: curves,
                  notes: ["epochs to error < \(ThresholdSetup.threshold) (first logged epoch with log10(round(E,15)+1e-15) < -3); mean +- std/sqrt(inits)",
                          "never reached counts as the last epoch \(lastEpoch) (reached = runs that got there); \(diverged) run(s) diverged (counted as never reached)",
                          "network \(ThresholdSetup.inputs)-\(ThresholdSetup.hidden)-1, B = \(ThresholdSetup.batchSize), lr \(ThresholdSetup.learningRate), norm constraint \(s.normConstraint)"]),
            Table(suffix: "_ttest", label: "t-tests", columns: [axis.rawValue, "t", "p", "df", "mean_gd_minus_curl"], sets: tests,
                  notes: ["paired t-test of the test epochs, ttest_rel(GD, curl): t > 0 means curl is faster; x = 0 row: pooled"]),
        ]
        if gdBand {
            tables.append(Table(suffix: "_band", label: "GD band", columns: [axis.rawValue, "gd_mean", "gd_low", "gd_high"],
                                sets: [(title: "gradient descent, pooled over the grid (mean +- SE)", rows: band)]))
        }
        if let reference { tables.append(comparison(reference, curves: curves, tests: tests, scale: scale)) }
        return tables
    }

    /// Ours beside the reference's: the train-epoch means (difference in our standard errors) and the t statistics
    /// on the test epochs (a t statistic has unit spread, so t_ours - t_ref is itself in standard errors).
    func comparison(_ reference: Reference, curves: [(title: String, rows: [[Double]])], tests: [(title: String, rows: [[Double]])],
                    scale: Scale) -> Table {
        let gdRows = curves.first?.rows
        let curlRows = curves.count > 1 ? curves[1].rows : []
        var rows: [[Double]] = []
        for ref in reference.trainEpochs {
            guard let curl = curlRows.first(where: { abs($0[0] - ref.x) < 1e-9 }) else { continue }
            let gd = gdRows?.first(where: { abs($0[0] - ref.x) < 1e-9 })
            let t = tests.first?.rows.first(where: { abs($0[0] - ref.x) < 1e-9 })
            let refT = reference.tTests.first(where: { abs($0.x - ref.x) < 1e-9 })
            let gdMean = gd?[5] ?? .nan, gdSE = gd?[6] ?? .nan
            rows.append([ref.x, gdMean, gdSE, ref.gd, (gdMean - ref.gd) / gdSE, curl[5], curl[6], ref.curl, (curl[5] - ref.curl) / curl[6],
                         t?[1] ?? .nan, refT?.t ?? .nan, (t?[1] ?? .nan) - (refT?.t ?? .nan)])
        }
        if let pooled = tests.first?.rows.last, let refPooled = reference.tTests.first(where: { $0.x == 0 }) {
            rows.append([0, .nan, .nan, .nan, .nan, .nan, .nan, .nan, .nan, pooled[1], refPooled.t, pooled[1] - refPooled.t])
        }
        return Table(suffix: "_vs_reference", label: "vs reference",
                     columns: [axis.rawValue, "gd_train_epochs", "gd_se", "ref_gd_train_epochs", "gd_diff_in_se", "curl_train_epochs", "curl_se",
                               "ref_curl_train_epochs", "curl_diff_in_se", "t_test_epochs", "ref_t", "t_diff"],
                     sets: [(title: "ours vs the reference notebooks (x = 0 row: pooled t-test)", rows: rows)],
                     notes: (trainCountMismatch(scale).map { [$0] } ?? []) + ["reference train-epoch means: \(reference.trainSource) (mean over inits of the first logged epoch with train error < 1e-3)",
                             "reference t-tests (test epochs, GD vs curl): \(reference.tTestSource ?? "none printed")",
                             "diff_in_se = (ours - reference) / our standard error; t_diff = t_ours - t_ref; the reference printed no spread"])
    }

    /// Says so when this scale trains on fewer samples than the reference did (quick fig5d-f): the comparison then
    /// measures the change of P as well as any disagreement.
    func trainCountMismatch(_ scale: Scale) -> String? {
        guard scale == .quick, axis != .trainSize, let p = quickTrainCount, p != base.trainCount else { return nil }
        return "NOT the same setup: ours at quick scale trains on P = \(p), the reference on P = \(base.trainCount)"
    }

    /// The fewest degrees of freedom (inits - 1) at which the summary calls a grid value's t-test significant: with
    /// one or two, a p below 0.05 needs |t| above 4.3 to 12.7 and rests on two or three pairs, too few to judge the
    /// normality the test assumes. The t-test table keeps every value.
    static let minimumDegreesOfFreedom = 4

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        var lines: [String] = []
        let curves = tables[0].sets
        for (k, test) in tables[1].sets.enumerated() {
            let prefix = variants.count > 1 ? "\(variants[k].title): " : ""
            let rows = test.rows.dropLast()
            let judged = rows.filter { $0[3] >= Double(Self.minimumDegreesOfFreedom) }
            let faster = judged.filter { $0[1] > 0 && $0[2] < 0.05 }.map { String(format: "%g", $0[0]) }
            let slower = judged.filter { $0[1] < 0 && $0[2] < 0.05 }.map { String(format: "%g", $0[0]) }
            let pooled = test.rows.last!
            let verdict = judged.isEmpty
                ? String(format: "too few inits per %@ value to call one significant (df < %d)", axis.rawValue, Self.minimumDegreesOfFreedom)
                : String(format: "curl significantly faster (p < 0.05) at %@ = [%@], slower at [%@]", axis.rawValue,
                         faster.joined(separator: ", "), slower.joined(separator: ", "))
            lines.append(prefix + String(format: "pooled t = %.2f (p = %.2g, df %d); ", pooled[1], pooled[2], Int(pooled[3])) + verdict)
            let curl = curves[2 * k + 1].rows
            if gdBand {
                let band = tables[2].sets[0].rows[2 * k]
                lines.append(prefix + String(format: "GD %.0f +- %.0f epochs; curl from %.0f (%@ = %g) to %.0f (%@ = %g)", band[1], band[1] - band[2],
                                             curl.first?[1] ?? .nan, axis.rawValue, curl.first?[0] ?? .nan, curl.last?[1] ?? .nan, axis.rawValue, curl.last?[0] ?? .nan))
            } else if let gd = curves[2 * k].rows.last, let c = curl.last {
                lines.append(prefix + String(format: "at %@ = %g: GD %.0f +- %.0f, curl %.0f +- %.0f epochs (reached %d and %d of %d)", axis.rawValue, gd[0],
                                             gd[1], gd[2], c[1], c[2], Int(gd[3]), Int(c[3]), Int(gd[4])))
            }
        }
        if let comparison = tables.first(where: { $0.suffix == "_vs_reference" }) {
            let rows = comparison.sets[0].rows.filter { $0[0] != 0 }
            let diffs = rows.flatMap { [$0[4], $0[8]] }.filter(\.isFinite)
            let tDiffs = comparison.sets[0].rows.map { $0[11] }.filter(\.isFinite)
            let caveat = trainCountMismatch(scale).map { " (\($0))" } ?? ""
            lines.append(String(format: "vs reference (%d grid values): train-epoch means within 2 SE in %d of %d; |t_ours - t_ref| < 2 in %d of %d",
                                rows.count, diffs.count { abs($0) < 2 }, diffs.count, tDiffs.count { abs($0) < 2 }, tDiffs.count) + caveat)
        }
        return lines
    }

    public var figure: FigurePlan {
        FigurePlan(script: "epochs_to_threshold.gp",
                   arguments: [.table(""), gdBand ? .table("_band") : .text("none"), .text(xLabel), .text(figureTitle)])
    }
}
