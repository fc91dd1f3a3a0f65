import NodePerturbation

/// LOCO at depth, time per step (issue 14, loco.md 4.3's "O(1) parallel time"): `LOCODepthTiming` at each depth,
/// one cell per depth. Its data are wall-clock timings, so unlike every other figure the same command does not
/// give the same bytes, and its cells run one at a time (`runsCellsOneAtATime`) so that they do not time each other.
public struct LOCODepthTime: FigureRecipe {
    public init() {}

    public let name = "loco_depth_time"
    public let summary = "LOCO at depth: time per training step of SGD, NP and LOCO (layers in sequence and at once) against depth 2-12, beside the machine's concurrency bound (wall-clock timings)"

    func settings(_ scale: Scale) -> (depths: [Int], steps: Int, repeats: Int) {
        switch scale {
        case .full: (Array(2...12), 1000, 5)
        case .quick: ([2, 4, 6, 8, 10, 12], 200, 3)
        }
    }

    public var runsCellsOneAtATime: Bool { true }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("setting", "s1"), ("depths", s.depths.map(String.init).joined(separator: ",")), ("steps_per_timing", "\(s.steps)"),
                ("best_of", "\(s.repeats)"), ("batch_size", "32"), ("hidden_width", "64"), ("clock", "wall"),
                ("cores", "\(ProcessorBudget.available)"), ("blas_threads", "1")]
    }

    public func cells(_ scale: Scale) -> [Cell] { Cell.grid([("depth", settings(scale).depths.map(Double.init))]) }

    /// Training steps times layers, over the four timed trainers and the repeats.
    public var costUnit: CostUnit { CostUnit("layer-step", "layer-steps") }
    public func cost(_ cell: Cell, scale: Scale) -> Double {
        let s = settings(scale)
        return Double(4 * (s.steps * s.repeats + 5) * cell.integer("depth"))
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let s = settings(scale)
        let t = try LOCODepthTiming(steps: s.steps, repeats: s.repeats)
        t.warmUp()
        let r = try t.row(depth: cell.integer("depth"))
        return CellRecord(key: cell.key, values: ["sgd": r.sgd, "np": r.np, "loco_sequence": r.locoInSequence, "loco_at_once": r.locoAtOnce,
                                                  "machine": r.machine])
    }

    static let columns = ["depth", "sgd_ms", "np_ms", "loco_sequence_ms", "loco_at_once_ms", "loco_at_once_bound_ms", "machine_bound",
                          "projector_speedup", "projector_speedup_bound"]

    /// One row per depth, in ms per step: SGD, NP, LOCO in sequence and at once, and the fastest LOCO at once could
    /// be, NP + (projector part) / min(depth, machine); then the machine's bound, the projector part's speed-up and
    /// its bound.
    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let rows = zip(cells, records).sorted { $0.0.integer("depth") < $1.0.integer("depth") }.map { cell, record in
            let v = { (name: String) in record.values[name] ?? .nan }
            let r = LOCODepthTiming.Row(depth: cell.integer("depth"), sgd: v("sgd"), np: v("np"), locoInSequence: v("loco_sequence"),
                                        locoAtOnce: v("loco_at_once"), machine: v("machine"))
            return [Double(r.depth), 1e3 * r.sgd, 1e3 * r.np, 1e3 * r.locoInSequence, 1e3 * r.locoAtOnce,
                    1e3 * (r.np + r.projectorPart.inSequence / r.bound), r.machine, r.speedUp, r.bound]
        }
        return [Table(suffix: "_time", label: "time per step", columns: Self.columns, sets: [(title: "time per step", rows: rows)],
                      notes: ["wall-clock timings, best of the repeats: they vary from run to run and with the machine's load",
                              "machine_bound: speed-up of one-thread dgemms on every core at once over one after the other, the larger of its values before and after the row",
                              "projector part: LOCO's time above NP's; its speed-up at once is at most min(depth, machine_bound)",
                              "loco_at_once_bound_ms: NP's time plus the projector part divided by that bound"])]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        tables[0].sets[0].rows.map { r in
            String(format: "depth %2d: SGD %.3f ms, NP %.3f ms, LOCO %.3f ms in sequence, %.3f ms at once (bound %.3f); projector part %.2fx faster at once, bound %.2fx",
                   Int(r[0]), r[1], r[2], r[3], r[4], r[5], r[7], r[8])
        }
    }

    public var figure: FigurePlan { FigurePlan(script: "loco_depth_time.gp", arguments: [.table("_time")]) }
}
