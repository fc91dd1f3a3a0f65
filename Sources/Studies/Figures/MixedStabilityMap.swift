import CurlTheory
import Foundation

/// The mixed-flip stability map (issue 10, "the mixed hidden + readout maps"): a fraction alpha_h of the inputs AND a
/// fraction alpha_r of the hidden neurons rule-flipped at once. For c = 0.3 and 0.5, the smallest eigenvalue of sampled
/// stability matrices K = D1 + W1^T D2 W1 (N hidden neurons, M = round(c N) inputs, W1 entries N(0, 1/M), |w2|^2 = 1,
/// floor(alpha M) inputs and floor(alpha N) hidden neurons flipped) over the (alpha_h, alpha_r) window of
/// `MixedFlipAxes`, with the free-addition boundary (MixedCriticalFraction) drawn over it and the sampled 50% crossing.
///
/// Each cell is one sampled matrix at (c, alpha_h, alpha_r, draw), from the cell's seed (stream role
/// CurlStreams.stabilitySample). The paper has no such map; the pure maps' finite-size overlay (fig2) uses M + N = 220,
/// where c = 0.5 leaves 3 inputs inside the stable window, so the full scale samples N = 1000 instead.
public struct MixedStabilityMap: FigureRecipe {
    public init() {}

    public let name = "mixed_stability"
    public let summary = "hidden + readout flips at once: sampled lambda_min(K) over (alpha_h, alpha_r) at c = 0.3, 0.5, free-addition boundary"

    static let ratios = [0.3, 0.5]

    struct Settings {
        let hidden: Int, points: Int, draws: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(hidden: 1000, points: 25, draws: 10)
        case .quick: Settings(hidden: 400, points: 15, draws: 3)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("c", Self.ratios.map { "\($0)" }.joined(separator: ",")), ("hidden_N", "\(s.hidden)"), ("inputs_M", "round(c N)"),
                ("alpha_points", "\(s.points)"), ("alpha_window", "[0, 1.5 alpha_c(c)] per layer"), ("draws", "\(s.draws)")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return MixedFlipAxes.cells(ratios: Self.ratios, points: s.points, trailing: ("draw", (0..<s.draws).map(Double.init)))
    }

    /// One eigensolve of an M x M matrix, M = round(c N): relative to N^3.
    /// One eigensolve of the M x M matrix K, M = cN: (M / N)^3 eigensolves of size N.
    public var costUnit: CostUnit { CostUnit("eigensolve of size N", "eigensolves of size N") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { pow(cell["c"], 3) }

    static func shape(c: Double, hidden: Int) -> (inputs: Int, hidden: Int) { (max(1, Int((c * Double(hidden)).rounded())), hidden) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let (m, n) = Self.shape(c: cell["c"], hidden: settings(scale).hidden)
        let sample = try SampledStabilityMatrix(layer: .hidden, inputs: m, hidden: n, seed: seed)
        let kh = SampledStabilityMatrix.flipCount(fraction: cell["alpha_h"], of: m)
        let kr = SampledStabilityMatrix.flipCount(fraction: cell["alpha_r"], of: n)
        let lambda = try sample.smallestEigenvalue(flippedInputs: kh, flippedHidden: kr)
        return CellRecord(key: cell.key, values: ["M": Double(m), "N": Double(n), "flipped_inputs": Double(kh), "flipped_hidden": Double(kr),
                                                  "lambda_min": lambda])
    }

    /// Per c: the map (mean sampled lambda_min, unstable fraction, the limit's lambda_min), the theory boundary, and the
    /// sampled 50% crossing: for each alpha_h column, the alpha_r where the unstable fraction first reaches 1/2,
    /// interpolated linearly between grid rows (none if it never does).
    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var tables: [Table] = []
        for c in Self.ratios {
            var lambdas: [Double: [Double: [Double]]] = [:]
            for (cell, record) in zip(cells, records) where cell["c"] == c {
                lambdas[cell["alpha_h"], default: [:]][cell["alpha_r"], default: []].append(record.values["lambda_min"] ?? .nan)
            }
            var blocks: [(title: String, rows: [[Double]])] = []
            var crossing: [[Double]] = []
            for h in lambdas.keys.sorted() {
                let column = try lambdas[h]!.keys.sorted().map { r -> [Double] in
                    let values = lambdas[h]![r]!
                    let theory = try MixedFlipSpectrum(c: c, alphaHidden: h, alphaReadout: r).smallestEigenvalue
                    return [h, r, values.reduce(0, +) / Double(values.count), Double(values.count { $0 < 0 }) / Double(values.count), theory]
                }
                blocks.append((title: "alpha_h = \(h)", rows: column))
                if let k = column.firstIndex(where: { $0[3] >= 0.5 }) {
                    let r = k == 0 ? column[0][1] : column[k - 1][1] + (0.5 - column[k - 1][3]) / (column[k][3] - column[k - 1][3]) * (column[k][1] - column[k - 1][1])
                    crossing.append([h, r])
                }
            }
            let (m, n) = Self.shape(c: c, hidden: s.hidden)
            tables += [
                Table(suffix: "_c\(c)", label: "map c = \(c)",
                      columns: ["alpha_h", "alpha_r", "mean_lambda_min", "unstable_fraction", "theory_lambda_min"], sets: blocks,
                      layout: .gridScanLines,
                      notes: ["sampled K = D1 + W1^T D2 W1 with M = \(m), N = \(n), \(s.draws) draws per cell; floor(alpha_h M) inputs and "
                                  + "floor(alpha_r N) hidden neurons flipped",
                              "theory_lambda_min: the N, M -> infinity limit (free additive convolution, MixedFlipSpectrum)"]),
                try MixedFlipAxes.boundaryTable(c: c, suffix: "_c\(c)_boundary"),
                Table(suffix: "_c\(c)_crossing", label: "sampled crossing c = \(c)", columns: ["alpha_h", "alpha_r"],
                      sets: [(title: "sampled: alpha_r where half the draws are unstable, per alpha_h column", rows: crossing)]),
            ]
        }
        return tables
    }

    /// Per c: the pure critical fractions, alpha_r* at a few alpha_h, and how often the sampled majority verdict
    /// agrees with the theory (disagreements where the limit's |lambda_min| < 0.1 counted apart).
    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        Self.ratios.enumerated().map { i, c in
            let rows = tables[3 * i].sets.flatMap(\.rows)
            let agree = rows.count { ($0[4] <= 0) == ($0[3] >= 0.5) }
            let near = rows.count { ($0[4] <= 0) != ($0[3] >= 0.5) && abs($0[4]) < 0.1 }
            let gap = rows.map { abs($0[2] - $0[4]) }.reduce(0, +) / Double(max(1, rows.count))
            let probes = [0.01, 0.1].map { h in String(format: "alpha_r*(%.2f) = %.4f", h, (try? MixedCriticalFraction.readout(alphaHidden: h, c: c)) ?? .nan) }
            return String(format: "c = %.1f: alpha_h^c = %.4f, alpha_r^c = %.4f, %@; sampled majority agrees with theory at %d of %d points "
                              + "(%d of the others within 0.1 of lambda_min = 0); mean |sampled - limit| lambda_min %.3f",
                          c, (try? CriticalFraction.hidden(c: c)) ?? .nan, (try? CriticalFraction.readout(c: c)) ?? .nan,
                          probes.joined(separator: ", "), agree, rows.count, near, gap)
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "mixed_maps.gp",
                   arguments: [.text("diverging")] + Self.ratios.flatMap { c in [.table("_c\(c)"), .table("_c\(c)_boundary"), .table("_c\(c)_crossing")] },
                   titles: ["Mixed flips: smallest eigenvalue of the stability matrix K = D_1 + W_1^T D_2 W_1"]
                       + Self.ratios.flatMap { c in ["3", "c = M/N = \(c): sampled mean {/Symbol l}_{min}(K)", "mean {/Symbol l}_{min}(K), saturating at {/Symbol \\261}1 (< 0: unstable)"] })
    }
}
