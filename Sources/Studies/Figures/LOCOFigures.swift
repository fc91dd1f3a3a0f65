import Foundation
import NodePerturbation

/// The variance figure of LOCO (loco.md 7.3): on the clustered student-teacher task, settings S1 (assumptions
/// hold) and S2 (generic), the weight-space and function-space variance of the node-perturbation estimate under
/// each projection variant, relative to plain NP, with the closed forms of loco.md 5.1, for the linear student
/// at W = 0. Each cell is one cluster-pure batch (R perturbation draws, sigma 0.01, B = 32) of one task drawn from
/// the cell's seed (`VarianceStudy.clustered`); the figure averages the ratios over the batches.
public struct LOCOVariance: FigureRecipe {
    public init() {}

    public let name = "loco_variance"
    public let summary = "LOCO: NP estimator variance ratios (weight and function space) per projection variant, settings S1 and S2"

    /// The variants of `VarianceStudy` in its order (names hold no blank, so they key a record's values).
    public static let variants = ["NP", "LowRank-only", "OWM-only", "LOCO", "control"]
    static let settings: [ClusteredTask.Setting] = [.s1, .s2]

    func sizes(_ scale: Scale) -> (batches: Int, draws: Int) {
        switch scale {
        case .full: (6, 2000)
        case .quick: (6, 1000)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = sizes(scale)
        return [("batches", "\(s.batches)"), ("draws", "\(s.draws)"), ("sigma", "0.01"), ("batch_size", "32"), ("rank", "14"), ("student", "linear W = 0")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        Cell.grid([("setting", [1, 2]), ("batch", (0..<sizes(scale).batches).map(Double.init))])
    }

    public var costUnit: CostUnit { .draws }
    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(sizes(scale).draws) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let task = try ClusteredTask(setting: Self.settings[cell.integer("setting") - 1], seed: seed)
        var configuration = ClusteredStudyConfiguration()
        configuration.cluster = cell.integer("batch") % task.clusters
        let study = try VarianceStudy.clustered(task: task, configuration: configuration, sigma: 0.01, draws: sizes(scale).draws, seed: seed, threads: 1)
        var values: [String: Double] = [:]
        for v in study.layers[0].variants {
            values["\(v.name).Vw_ratio"] = v.weightRatio
            values["\(v.name).Vw_ratio_closed_form"] = v.predictedWeightRatio
            values["\(v.name).Vfn_ratio"] = v.functionRatio
            values["\(v.name).Vfn_ratio_closed_form"] = v.predictedFunctionRatio
            values["\(v.name).cosine"] = v.cosine
            values["\(v.name).D_ratio"] = v.descent?.ratio ?? .nan
            values["\(v.name).kept_fraction"] = v.keptInputFraction
        }
        return CellRecord(key: cell.key, values: values)
    }

    static let quantities = ["Vw_ratio", "Vw_ratio_closed_form", "Vfn_ratio", "Vfn_ratio_closed_form", "cosine", "D_ratio", "kept_fraction"]

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        var rows: [[Double]] = []
        for setting in 1...2 {
            let here = zip(cells, records).filter { $0.0.integer("setting") == setting }.map(\.1)
            for (i, v) in Self.variants.enumerated() {
                var row = [Double(setting), Double(i)]
                for q in Self.quantities {
                    let xs = here.compactMap { $0.values["\(v).\(q)"] }.filter(\.isFinite)
                    let (mean, halfWidth) = Self.meanAndHalfWidth(xs)
                    row += [mean, halfWidth]
                }
                // The descent-figure ratio is heavy-tailed across batches (one batch can dominate the mean): its median too.
                row.append(Self.median(here.compactMap { $0.values["\(v).D_ratio"] }.filter(\.isFinite)))
                rows.append(row)
            }
        }
        return [Table(suffix: "", label: "ratios", columns: ["setting", "variant"] + Self.quantities.flatMap { [$0, $0 + "_ci95"] } + ["D_ratio_median"],
                      sets: [(title: "variance ratios to NP, mean over batches", rows: rows)],
                      notes: ["setting 1 = S1, 2 = S2; variants (column 2): " + Self.variants.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " "),
                              "each quantity: mean over the \(sizes(scale).batches) batches (one task per batch) and its 95% half-width 1.96 sd / sqrt(batches)"])]
    }

    /// Mean and 1.96 standard errors of the mean (0 for a single value, NaN for none).
    public static func meanAndHalfWidth(_ xs: [Double]) -> (Double, Double) {
        guard !xs.isEmpty else { return (.nan, .nan) }
        let mean = xs.reduce(0, +) / Double(xs.count)
        guard xs.count > 1 else { return (mean, 0) }
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)
        return (mean, 1.96 * (variance / Double(xs.count)).squareRoot())
    }

    public static func median(_ xs: [Double]) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        tables[0].sets[0].rows.filter { $0[1] != 0 }.map { r in
            "S\(Int(r[0])) " + Self.variants[Int(r[1])].padding(toLength: 13, withPad: " ", startingAt: 0)
                + String(format: "V_w ratio %.3f +- %.3f (closed form %.3f)  V_fn ratio %.4f +- %.4f (closed form %.4f)  cos %.2f  D ratio median %.2f",
                         r[2], r[3], r[4], r[6], r[7], r[8], r[10], r[16])
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "loco_variance.gp", arguments: [.table(""), .text(Self.variants.joined(separator: " "))])
    }
}

/// Learning-rate sweeps of NP-type methods on the clustered task, shared by `loco_learning` and `loco_failure`:
/// each cell trains every method of a group at one learning rate from one seed (so the methods see the same
/// task, batches and perturbations), and the reduction picks per method the best stable rate (lowest mean final
/// relative loss over the repeats) and averages the curves there.
public enum LearningSweep {
    public struct Group: Sendable {
        public let title: String
        public let student: LOCOStudent
        public let setting: ClusteredTask.Setting
        public let methods: [LearningMethod]
        public let mixedBatches: Bool
        public let steps: Int
        public let target: Double
    }

    static func run(_ group: Group, learningRate: Double, seed: UInt64) throws -> [String: Double] {
        let task = try ClusteredTask(setting: group.setting, seed: seed)
        var options = LOCOLearningOptions()
        options.steps = group.steps
        options.mixedBatches = group.mixedBatches
        var values: [String: Double] = [:]
        for method in group.methods {
            let curve: LOCOLearningCurve
            do {
                curve = try LOCOLearning.train(task: task, student: group.student, method: method, learningRate: learningRate, options: options, seed: seed)
            } catch let error as ProjectionError {
                // A projector that cannot be built (e.g. a batch whose activity has no direction left) ends the run:
                // it counts as not stable at this rate, and the tables say how many runs ended so.
                values["\(method.rawValue).stable"] = 0
                values["\(method.rawValue).failed"] = 1
                values["\(method.rawValue).final"] = .nan
                _ = error
                continue
            }
            values["\(method.rawValue).stable"] = curve.isStable ? 1 : 0
            values["\(method.rawValue).final"] = curve.finalLoss
            values["\(method.rawValue).purity"] = curve.purity ?? .nan
            values["\(method.rawValue).every"] = Double(options.logEvery)
            // The curve as values: loss at logged step k (the record stops early when a run blows up).
            for (k, loss) in curve.relativeLoss.enumerated() { values["\(method.rawValue).loss\(k)"] = loss }
        }
        return values
    }

    /// Per method: the reduced sweep.
    public struct Reduced: Sendable {
        public let method: LearningMethod
        public let largestStableRate: Double?
        public let bestRate: Double?
        /// [step, mean relative loss over repeats] at the best rate.
        public let curve: [[Double]]
        public let stepsToTarget: Int?
        public let finalLoss: Double?
        public let purity: Double?
        /// Learning rates at which a run of this method ended on a projector that could not be built.
        public let failedRates: [Double]
    }

    /// `records` of cells with parameters "lr" and "repeat" (and others equal), for `group`.
    public static func reduce(_ group: Group, records: [(cell: Cell, record: CellRecord)]) -> [Reduced] {
        let rates = Array(Set(records.map { $0.cell["lr"] })).sorted()
        return group.methods.map { method in
            let m = method.rawValue
            let failedRates = Array(Set(records.filter { $0.record.values["\(m).failed"] == 1 }.map { $0.cell["lr"] })).sorted()
            var stableRates: [Double] = []
            var best: (rate: Double, final: Double)?
            for rate in rates {
                let here = records.filter { $0.cell["lr"] == rate }.map(\.record)
                guard !here.isEmpty, here.allSatisfy({ $0.values["\(m).stable"] == 1 }) else { continue }
                stableRates.append(rate)
                let final = here.map { $0.values["\(m).final"] ?? .nan }.reduce(0, +) / Double(here.count)
                if best == nil || final < best!.final { best = (rate, final) }
            }
            guard let best else {
                return Reduced(method: method, largestStableRate: nil, bestRate: nil, curve: [[0, .nan]], stepsToTarget: nil, finalLoss: nil, purity: nil,
                               failedRates: failedRates)
            }
            let here = records.filter { $0.cell["lr"] == best.rate }.map(\.record)
            let every = here[0].values["\(m).every"] ?? 50
            var curve: [[Double]] = []
            for k in 0... {
                let losses = here.compactMap { $0.values["\(m).loss\(k)"] }
                guard losses.count == here.count else { break }
                // The last logged point is the final step, which need not be a multiple of `every`.
                let step = min(Double(k) * every, Double(group.steps))
                curve.append([step, losses.reduce(0, +) / Double(losses.count)])
            }
            let purities = here.compactMap { $0.values["\(m).purity"] }.filter(\.isFinite)
            return Reduced(method: method, largestStableRate: stableRates.max(), bestRate: best.rate, curve: curve,
                           stepsToTarget: curve.first { $0[1] < group.target }.map { Int($0[0]) }, finalLoss: curve.last?[1],
                           purity: purities.isEmpty ? nil : purities.reduce(0, +) / Double(purities.count), failedRates: failedRates)
        }
    }

    /// loco.md 7.2's learning-rate grid, 16 log-spaced points in [1e-3, 1]; the quick scale keeps its points 5...13
    /// (0.01 to 0.40), where the stable limits of NP (0.1) and LOCO (0.25) lie.
    public static func grid(_ scale: Scale) -> [Double] {
        let full = (0..<16).map { 1e-3 * pow(1e3, Double($0) / 15) }
        return scale == .full ? full : Array(full[5...13])
    }

    static func gridDescription(_ scale: Scale) -> String {
        scale == .full ? "16 log-spaced in [0.001, 1]" : "9 log-spaced in [0.01, 0.398] (points 5...13 of the full grid)"
    }

    static func tables(_ groups: [Group], records: [CellRecord], cells: [Cell], repeats: Int) -> [Table] {
        var curves: [(title: String, rows: [[Double]])] = []
        var summary: [(title: String, rows: [[Double]])] = []
        for (g, group) in groups.enumerated() {
            let reduced = reduce(group, records: zip(cells, records).filter { $0.0.integer("group") == g }.map { ($0.0, $0.1) })
            for (i, r) in reduced.enumerated() {
                curves.append((title: "\(group.title): \(r.method.rawValue) lr=\(r.bestRate ?? .nan)", rows: r.curve))
                summary.append((title: "\(group.title): \(r.method.rawValue)",
                                rows: [[Double(g), Double(i), r.largestStableRate ?? .nan, r.bestRate ?? .nan, r.stepsToTarget.map(Double.init) ?? .nan,
                                        r.finalLoss ?? .nan, r.purity ?? .nan, group.target, Double(r.failedRates.count), r.failedRates.min() ?? .nan]]))
            }
        }
        return [Table(suffix: "_curves", label: "curves", columns: ["step", "relative_loss"], sets: curves,
                      notes: ["per group and method, the mean over \(repeats) repeat(s) of the relative evaluation loss at the best stable learning rate",
                              "a method with no stable rate on the grid has the single row 0 NaN"]),
                Table(suffix: "_summary", label: "summary", columns: ["group", "method", "largest_stable_lr", "best_lr", "steps_to_target", "final_loss", "purity", "target",
                                                                       "failed_rates", "smallest_failed_lr"],
                      sets: summary)]
    }

    static func summaryLines(_ tables: [Table]) -> [String] {
        tables[1].sets.map { set in
            let r = set.rows[0]
            func f(_ x: Double) -> String { x.isNaN ? "-" : String(format: "%.3g", x) }
            return "\(set.title.padding(toLength: 24, withPad: " ", startingAt: 0)) largest stable lr \(f(r[2]))  best lr \(f(r[3]))  steps to \(f(r[7])) "
                + (r[4].isNaN ? "never" : "\(Int(r[4]))") + "  final \(f(r[5]))" + (r[6].isNaN ? "" : "  purity \(f(r[6]))")
                + (r[8] == 0 ? "" : "  (projector failed at \(Int(r[8])) rate(s) from lr \(f(r[9])))")
        }
    }
}

/// LOCO's learning curves (loco.md 7.4): exact SGD, NP, LowRank-only, OWM-only and LOCO on the clustered task
/// (S1, cluster-pure batches of 32, sigma 0.01, plain SGD), each at its best stable learning rate of a log grid in
/// [1e-3, 1]: (a) the linear student (10 x 100 from 0, 3000 steps), (b) the tanh student 100 -> 64 -> 10 with the
/// per-layer projectors (4000 steps). Each cell: one learning rate, one seed, every method.
public struct LOCOLearningCurves: FigureRecipe {
    public init() {}

    public let name = "loco_learning"
    public let summary = "LOCO: learning curves of SGD, NP, LowRank-only, OWM-only and LOCO at their best rates, linear and tanh students (S1)"

    struct Settings { let repeats: Int, linearSteps: Int, tanhSteps: Int }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(repeats: 3, linearSteps: 3000, tanhSteps: 4000)
        case .quick: Settings(repeats: 1, linearSteps: 1000, tanhSteps: 1000)
        }
    }

    func groups(_ scale: Scale) -> [LearningSweep.Group] {
        let s = settings(scale)
        return [LearningSweep.Group(title: "linear S1", student: .linear, setting: .s1, methods: LearningMethod.allCases, mixedBatches: false,
                                    steps: s.linearSteps, target: 0.01),
                LearningSweep.Group(title: "tanh S1", student: .tanh, setting: .s1, methods: LearningMethod.allCases, mixedBatches: false,
                                    steps: s.tanhSteps, target: 0.1)]
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("setting", "s1"), ("lr_grid", LearningSweep.gridDescription(scale)), ("repeats", "\(s.repeats)"), ("linear_steps", "\(s.linearSteps)"),
                ("tanh_steps", "\(s.tanhSteps)"), ("batch_size", "32"), ("sigma", "0.01"), ("rank", "14"), ("methods", LearningMethod.allCases.map(\.rawValue).joined(separator: ","))]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("group", [0, 1]), ("lr", LearningSweep.grid(scale)), ("repeat", (0..<s.repeats).map(Double.init))])
    }

    public var costUnit: CostUnit { .steps }
    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(groups(scale)[cell.integer("group")].steps) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        CellRecord(key: cell.key, values: try LearningSweep.run(groups(scale)[cell.integer("group")], learningRate: cell["lr"], seed: seed))
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        LearningSweep.tables(groups(scale), records: records, cells: cells, repeats: settings(scale).repeats)
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] { LearningSweep.summaryLines(tables) }

    public var figure: FigurePlan {
        let methods = LearningMethod.allCases.map(\.rawValue)
        return FigurePlan(script: "loco_panels.gp", arguments: [.table("_curves"), .text("\(methods.count)"),
                                                                .text("(a) linear student, S1"), .text("(b) tanh student 100-64-10, S1"),
                                                                .text("LOCO learning curves, each method at its best stable learning rate")],
                          titles: methods + methods)
    }
}

/// LOCO's failure mode (loco.md 7.4): when minibatches mix clusters, LOCO's projection (built for one cluster
/// per batch) removes directions the batch's own samples need, and it learns worse than plain NP. NP and LOCO
/// on the linear S1 task with cluster-pure batches (a) and mixed batches (b), each at its best stable rate.
public struct LOCOFailure: FigureRecipe {
    public init() {}

    public let name = "loco_failure"
    public let summary = "LOCO failure mode: NP and LOCO with cluster-pure against mixed minibatches (linear student, S1)"

    func settings(_ scale: Scale) -> (repeats: Int, steps: Int) {
        switch scale {
        case .full: (3, 3000)
        case .quick: (1, 1500)
        }
    }

    func groups(_ scale: Scale) -> [LearningSweep.Group] {
        let s = settings(scale)
        return [false, true].map { mixed in
            LearningSweep.Group(title: mixed ? "mixed batches" : "pure batches", student: .linear, setting: .s1, methods: [.np, .loco],
                                mixedBatches: mixed, steps: s.steps, target: 0.01)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("setting", "s1"), ("network", "linear"), ("lr_grid", LearningSweep.gridDescription(scale)), ("repeats", "\(s.repeats)"),
                ("steps", "\(s.steps)"), ("batch_size", "32"), ("sigma", "0.01"), ("rank", "14"), ("methods", "np,loco")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("group", [0, 1]), ("lr", LearningSweep.grid(scale)), ("repeat", (0..<s.repeats).map(Double.init))])
    }

    public var costUnit: CostUnit { .steps }
    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(settings(scale).steps) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        CellRecord(key: cell.key, values: try LearningSweep.run(groups(scale)[cell.integer("group")], learningRate: cell["lr"], seed: seed))
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        LearningSweep.tables(groups(scale), records: records, cells: cells, repeats: settings(scale).repeats)
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] { LearningSweep.summaryLines(tables) }

    public var figure: FigurePlan {
        FigurePlan(script: "loco_panels.gp", arguments: [.table("_curves"), .text("2"), .text("(a) cluster-pure minibatches"), .text("(b) mixed minibatches"),
                                                         .text("LOCO failure mode: linear student, S1, each method at its best stable learning rate")],
                   titles: ["np", "loco", "np", "loco"])
    }
}
