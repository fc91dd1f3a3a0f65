import Foundation
import NodePerturbation

/// LOCO at depth, variance (issue 14, loco.md 2.3 at depth): for tanh students 100 -> 64 x (depth - 1) -> 10 at a
/// random start (scale 1) with a teacher of the same shape, S1, one cluster-pure batch (B = 32, sigma 0.01), all
/// layers perturbed at once: each layer's relative weight-space variance V_w / |G_BP|^2 of the NP estimate, without
/// projection (NP) and with LOCO's (each layer on its own presynaptic activity), Monte Carlo with 95% intervals
/// beside the linearised closed forms of loco.md 2.3 / 5.1, and LOCO's variance ratios to NP.
public struct LOCODepthVariance: FigureRecipe {
    public init() {}

    public let name = "loco_depth_variance"
    public let summary = "LOCO at depth: per-layer NP gradient variance with and without LOCO's projection, Monte Carlo and closed form, tanh depth 2-12"

    /// The two variants of `VarianceStudy` shown (names as the study writes them).
    static let variants = ["NP", "LOCO"]

    func sizes(_ scale: Scale) -> (depths: [Int], repeats: Int, draws: Int) {
        switch scale {
        case .full: (Array(2...12), 3, 4000)
        case .quick: ([2, 4, 6, 8, 10, 12], 1, 2000)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = sizes(scale)
        return [("setting", "s1"), ("depths", s.depths.map(String.init).joined(separator: ",")), ("repeats", "\(s.repeats)"), ("draws", "\(s.draws)"),
                ("sigma", "0.01"), ("batch_size", "32"), ("hidden_width", "64"), ("ranks", "14 (input), 10 (hidden)"), ("student_scale", "1"),
                ("perturbed", "all layers")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = sizes(scale)
        return Cell.grid([("depth", s.depths.map(Double.init)), ("repeat", (0..<s.repeats).map(Double.init))])
    }

    /// Draws times layers: each draw's estimate costs one pass per layer.
    public var costUnit: CostUnit { CostUnit("layer-draw", "layer-draws") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(sizes(scale).draws * cell.integer("depth")) }

    /// The study of one cell: depth `depth`, task, networks, batch and draws from the cell's seed.
    public static func study(depth: Int, draws: Int, seed: UInt64) throws -> VarianceStudy {
        let task = try ClusteredTask(setting: .s1, seed: seed)
        var configuration = ClusteredStudyConfiguration()
        configuration.hidden = Array(repeating: 64, count: depth - 1)
        return try VarianceStudy.clustered(task: task, configuration: configuration, sigma: 0.01, draws: draws, seed: seed, threads: 1)
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let study = try Self.study(depth: cell.integer("depth"), draws: sizes(scale).draws, seed: seed)
        var values: [String: Double] = [:]
        for layer in study.layers {
            for v in layer.variants where Self.variants.contains(v.name) {
                let key = "L\(layer.index + 1).\(v.name)"
                let perVariance = v.relativeVariance / v.weightVariance
                values["\(key).rel"] = v.relativeVariance
                values["\(key).rel_se"] = v.weightVarianceError * perVariance
                values["\(key).rel_cf"] = v.predictedWeightVariance * perVariance
                values["\(key).Vw_ratio"] = v.weightRatio
                values["\(key).Vw_ratio_ci"] = v.weightRatioHalfWidth
                values["\(key).Vw_ratio_cf"] = v.predictedWeightRatio
                values["\(key).Vfn_ratio"] = v.functionRatio
                values["\(key).Vfn_ratio_ci"] = v.functionRatioHalfWidth
                values["\(key).Vfn_ratio_cf"] = v.predictedFunctionRatio
            }
        }
        return CellRecord(key: cell.key, values: values)
    }

    /// Mean over the repeats of `key` and the Monte Carlo 95% half-width of that mean, 1.96 sqrt(sum se^2) / R
    /// (`errorKey` holds a standard error, or with `halfWidths` a 95% half-width already).
    static func mean(_ records: [CellRecord], _ key: String, error errorKey: String? = nil, halfWidths: Bool = false) -> (Double, Double) {
        let xs = records.compactMap { $0.values[key] }
        guard !xs.isEmpty else { return (.nan, .nan) }
        let r = Double(xs.count)
        guard let errorKey else { return (xs.reduce(0, +) / r, .nan) }
        let errors = records.compactMap { $0.values[errorKey] }.map { halfWidths ? $0 / 1.96 : $0 }
        return (xs.reduce(0, +) / r, 1.96 * errors.reduce(0) { $0 + $1 * $1 }.squareRoot() / r)
    }

    /// Per layer of one depth: NP and LOCO relative variance (mean, half-width, closed form), then LOCO's V_w and
    /// V_fn ratios to NP (mean, half-width, closed form).
    static func layerRow(_ records: [CellRecord], layer l: Int) -> [Double] {
        var row: [Double] = []
        for v in variants {
            let (m, h) = mean(records, "L\(l).\(v).rel", error: "L\(l).\(v).rel_se")
            row += [m, h, mean(records, "L\(l).\(v).rel_cf").0]
        }
        for q in ["Vw_ratio", "Vfn_ratio"] {
            let (m, h) = mean(records, "L\(l).LOCO.\(q)", error: "L\(l).LOCO.\(q)_ci", halfWidths: true)
            row += [m, h, mean(records, "L\(l).LOCO.\(q)_cf").0]
        }
        return row
    }

    static let layerColumns = ["NP_relvar", "NP_relvar_ci95", "NP_relvar_closed_form", "LOCO_relvar", "LOCO_relvar_ci95", "LOCO_relvar_closed_form",
                               "LOCO_Vw_ratio", "LOCO_Vw_ratio_ci95", "LOCO_Vw_ratio_closed_form", "LOCO_Vfn_ratio", "LOCO_Vfn_ratio_ci95",
                               "LOCO_Vfn_ratio_closed_form"]

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let depths = sizes(scale).depths
        let byDepth = Dictionary(grouping: zip(cells, records), by: { $0.0.integer("depth") }).mapValues { $0.map(\.1) }
        // (a) Against depth: the input layer W_1 and the output layer W_L.
        let first = depths.map { d in [Double(d)] + Self.layerRow(byDepth[d] ?? [], layer: 1) }
        let last = depths.map { d in [Double(d)] + Self.layerRow(byDepth[d] ?? [], layer: d) }
        // (b) Every layer of the deepest network.
        let deepest = depths.max() ?? 2
        let layers = (1...deepest).map { l in [Double(l)] + Self.layerRow(byDepth[deepest] ?? [], layer: l) }
        let notes = ["relvar: V_w / |G_BP|^2 of the layer's NP estimate (all layers perturbed), Monte Carlo mean over repeats with its 95% Monte Carlo half-width; closed form: loco.md 2.3 / 5.1 (linearised)",
                     "ratios: LOCO's V_w and V_fn over NP's for the same draws"]
        return [Table(suffix: "_depth", label: "against depth", columns: ["depth"] + Self.layerColumns,
                      sets: [(title: "input layer W_1", rows: first), (title: "output layer W_L", rows: last)], notes: notes),
                Table(suffix: "_layers", label: "layers at the largest depth", columns: ["layer"] + Self.layerColumns,
                      sets: [(title: "depth \(deepest), every layer", rows: layers)], notes: notes)]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let first = tables[0].sets[0].rows, last = tables[0].sets[1].rows
        return zip(first, last).map { a, b in
            String(format: "depth %2d: W_1 rel. var NP %.3g +- %.2g (closed %.3g), LOCO %.3g (closed %.3g), V_fn ratio %.3f;  W_L NP %.3g (closed %.3g), LOCO %.3g, V_fn ratio %.3f",
                   Int(a[0]), a[1], a[2], a[3], a[4], a[6], a[10], b[1], b[3], b[4], b[10])
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "loco_depth_variance.gp", arguments: [.table("_depth"), .table("_layers")])
    }
}

/// LOCO at depth, learning (issue 14): tanh students 100 -> 64 x (depth - 1) -> 10 (random start, scale 1) learning a
/// teacher of their shape on S1's cluster-pure batches (B = 32, sigma 0.01, plain SGD, centroids refreshed every 200
/// steps), exact SGD, NP and LOCO each over a learning-rate grid and seeds. Per depth and method: the largest rate
/// stable for every seed, the best rate (lowest mean final loss), and at the best rate the steps to a relative loss
/// threshold and the final loss, mean over seeds with 95% intervals.
public struct LOCODepthLearning: FigureRecipe {
    public init() {}

    public let name = "loco_depth_learning"
    public let summary = "LOCO at depth: largest stable rate, steps to a loss threshold and final loss of SGD, NP and LOCO against depth 2-12 (tanh)"

    public static let methods: [LearningMethod] = [.sgd, .np, .loco]

    /// The relative-loss threshold of the steps-to-threshold statistic (both scales).
    public static let threshold = 0.3

    struct Settings: Equatable {
        let depths: [Int]
        let rates: [Double]
        let repeats: Int
        let steps: Int
        var threshold: Double { LOCODepthLearning.threshold }
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(depths: [2, 4, 6, 8, 10, 12], rates: (0..<9).map { 0.002 * pow(125, Double($0) / 8) }, repeats: 3, steps: 2000)
        case .quick: Settings(depths: [2, 6, 12], rates: (0..<5).map { 0.004 * pow(25, Double($0) / 4) }, repeats: 2, steps: 500)
        }
    }

    func group(depth: Int, scale: Scale) -> LearningSweep.Group {
        let s = settings(scale)
        return LearningSweep.Group(title: "depth \(depth)", student: .deep(depth: depth, initialScale: 1), setting: .s1, methods: Self.methods,
                                   mixedBatches: false, steps: s.steps, target: s.threshold)
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("setting", "s1"), ("depths", s.depths.map(String.init).joined(separator: ",")),
                ("lr_grid", String(format: "%d log-spaced in [%g, %g]", s.rates.count, s.rates.first!, s.rates.last!)), ("repeats", "\(s.repeats)"),
                ("steps", "\(s.steps)"), ("threshold", "\(s.threshold)"), ("batch_size", "32"), ("sigma", "0.01"), ("hidden_width", "64"),
                ("ranks", "14 (input), 10 (hidden)"), ("student_scale", "1"), ("centroid_refresh", "200"),
                ("methods", Self.methods.map(\.rawValue).joined(separator: ","))]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("depth", s.depths.map(Double.init)), ("lr", s.rates), ("repeat", (0..<s.repeats).map(Double.init))])
    }

    /// Training steps times layers: a step's cost grows linearly with depth.
    public var costUnit: CostUnit { CostUnit("layer-step", "layer-steps") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(settings(scale).steps * cell.integer("depth")) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        CellRecord(key: cell.key, values: try LearningSweep.run(group(depth: cell.integer("depth"), scale: scale), learningRate: cell["lr"], seed: seed))
    }

    /// Per method, one row per depth: depth, largest stable rate, best rate, mean final loss at the best rate with its
    /// 95% half-width over seeds, mean steps to the threshold over the seeds that reached it with its half-width, and
    /// the fraction of seeds that reached it.
    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var sets = Self.methods.map { (title: $0.rawValue, rows: [[Double]]()) }
        for depth in s.depths {
            let here = zip(cells, records).filter { $0.0.integer("depth") == depth }.map { ($0.0, $0.1) }
            let reduced = LearningSweep.reduce(group(depth: depth, scale: scale), records: here)
            for (i, r) in reduced.enumerated() {
                let m = r.method.rawValue
                let atBest = here.filter { $0.0["lr"] == r.bestRate }.map(\.1)
                let finals = atBest.compactMap { $0.values["\(m).final"] }
                let reached = atBest.compactMap { record -> Double? in
                    let every = record.values["\(m).every"] ?? 50
                    return (0...).lazy.prefix(while: { record.values["\(m).loss\($0)"] != nil }).first { record.values["\(m).loss\($0)"]! < s.threshold }
                        .map { min(Double($0) * every, Double(s.steps)) }
                }
                let (final, finalHalfWidth) = LOCOVariance.meanAndHalfWidth(finals)
                let (steps, stepsHalfWidth) = LOCOVariance.meanAndHalfWidth(reached)
                sets[i].rows.append([Double(depth), r.largestStableRate ?? .nan, r.bestRate ?? .nan, final, finalHalfWidth, steps, stepsHalfWidth,
                                     atBest.isEmpty ? .nan : Double(reached.count) / Double(atBest.count)])
            }
        }
        return [Table(suffix: "_summary", label: "against depth",
                      columns: ["depth", "largest_stable_lr", "best_lr", "final_loss", "final_loss_ci95", "steps_to_threshold", "steps_ci95", "reached_fraction"],
                      sets: sets,
                      notes: ["one data set per method; at the best rate, mean over \(s.repeats) seed(s) with 95% half-widths 1.96 sd / sqrt(seeds)",
                              "steps to relative loss \(s.threshold): mean over the seeds that reached it (reached_fraction of them); NaN when none did",
                              "no stable rate on the grid: NaN rates and losses"])]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let threshold = settings(scale).threshold
        func f(_ x: Double) -> String { x.isNaN ? "-" : String(format: "%.3g", x) }
        return tables[0].sets.flatMap { set in
            set.rows.map { r in
                "depth \(Int(r[0])) \(set.title.padding(toLength: 5, withPad: " ", startingAt: 0)) largest stable lr \(f(r[1]))  best lr \(f(r[2]))  final \(f(r[3])) +- \(f(r[4]))  steps to \(f(threshold)) "
                    + (r[5].isNaN ? "never" : "\(f(r[5])) +- \(f(r[6]))") + String(format: " (%.0f%% of seeds)", 100 * r[7])
            }
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "loco_depth_learning.gp", arguments: [.table("_summary"), .text("\(Self.methods.count)"), .text(String(format: "%g", Self.threshold))],
                   titles: Self.methods.map(\.rawValue))
    }
}
