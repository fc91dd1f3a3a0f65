import CurlTheory
import Foundation

/// Fig. 2 of the curl-descent paper: the theoretical phase diagrams of the solution manifold, (a) hidden-layer
/// flips (alpha_h against c) and (b) readout flips (alpha_r against c), c = M/N log-spaced in [1e-3, 1e2], a
/// grid point unstable iff alpha > alpha_c(c) from the closed forms (curl-descent.md 4.3-4.4; the reference's
/// masks are 500 x 500). Over each, the finite-size measurement of `curldyn phase-diagram --empirical 220`:
/// lambda_min(K) of sampled stability matrices with M + N = 220 (EmpiricalPhaseDiagram.shape).
///
/// Each cell is one sampled matrix at one finite-size grid point (layer, c, alpha, draw); the theory grids need
/// no randomness and are computed in the reduction.
public struct PhaseDiagrams: FigureRecipe {
    public init() {}

    public let name = "fig2"
    public let summary = "theory phase diagrams (hidden alpha_h and readout alpha_r against c) with the finite-size measurement overlaid"

    struct Settings {
        let theoryPoints: Int, size: Int, cPoints: Int, alphaPoints: Int, draws: Int
    }

    static let cRange = (min: 1e-3, max: 1e2)

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(theoryPoints: 500, size: 220, cPoints: 30, alphaPoints: 21, draws: 5)
        case .quick: Settings(theoryPoints: 200, size: 220, cPoints: 15, alphaPoints: 11, draws: 3)
        }
    }

    /// Layer index of the cells: 0 = hidden, 1 = readout.
    static let layers: [FlipLayer] = [.hidden, .readout]

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("c_min", "\(Self.cRange.min)"), ("c_max", "\(Self.cRange.max)"), ("theory_c_points", "\(s.theoryPoints)"),
                ("theory_alpha_points", "\(s.theoryPoints)"), ("empirical_size", "\(s.size)"), ("empirical_c_points", "\(s.cPoints)"),
                ("empirical_alpha_points", "\(s.alphaPoints)"), ("draws", "\(s.draws)")]
    }

    func theoryGrid(_ scale: Scale) throws -> PhaseGrid {
        let s = settings(scale)
        return try PhaseGrid(cMin: Self.cRange.min, cMax: Self.cRange.max, cPoints: s.theoryPoints, alphaPoints: s.theoryPoints)
    }

    func empiricalGrid(_ scale: Scale) throws -> PhaseGrid {
        let s = settings(scale)
        return try PhaseGrid(cMin: Self.cRange.min, cMax: Self.cRange.max, cPoints: s.cPoints, alphaPoints: s.alphaPoints)
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let grid = try! empiricalGrid(scale)
        return Cell.grid([("layer", [0, 1]), ("c", grid.ratios), ("alpha", grid.alphas), ("draw", (0..<settings(scale).draws).map(Double.init))])
    }

    /// One eigensolve of an at most size x size matrix.
    public var costUnit: CostUnit { CostUnit("sampled stability matrix", "sampled stability matrices") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { 1 }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let layer = Self.layers[cell.integer("layer")]
        let (m, n) = EmpiricalPhaseDiagram.shape(c: cell["c"], size: settings(scale).size)
        let sample = try SampledStabilityMatrix(layer: layer, inputs: m, hidden: n, seed: seed)
        let k = sample.flipCount(fraction: cell["alpha"])
        let lambda = try sample.smallestEigenvalue(flipped: k)
        return CellRecord(key: cell.key, values: ["M": Double(m), "N": Double(n), "flipped": Double(k), "lambda_min": lambda])
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        let grid = try theoryGrid(scale)
        var tables: [Table] = []
        for (l, layer) in Self.layers.enumerated() {
            let theory = try TheoryPhaseDiagram(layer: layer, grid: grid)
            let blocks = grid.ratios.indices.map { r in
                (title: "c = \(grid.ratios[r])", rows: grid.alphas.indices.map { a in [grid.ratios[r], grid.alphas[a], theory.isUnstable(row: r, alphaIndex: a) ? 1.0 : 0] })
            }
            // Finite size: per (c, alpha), the mean lambda_min(K) and the fraction of draws with lambda_min < 0.
            var measured: [Double: [Double: [Double]]] = [:]
            for (cell, record) in zip(cells, records) where cell.integer("layer") == l {
                measured[cell["c"], default: [:]][cell["alpha"], default: []].append(record.values["lambda_min"] ?? .nan)
            }
            let empirical = measured.keys.sorted().map { c in
                (title: "c = \(c)", rows: measured[c]!.keys.sorted().map { alpha -> [Double] in
                    let lambdas = measured[c]![alpha]!
                    return [c, alpha, lambdas.reduce(0, +) / Double(lambdas.count), Double(lambdas.count { $0 < 0 }) / Double(lambdas.count)]
                })
            }
            let name = layer.rawValue
            tables += [
                Table(suffix: "_\(name)", label: "\(name) theory", columns: ["c", "alpha", "unstable"], sets: blocks, layout: .gridScanLines,
                      notes: ["theory (\(name) flips): 1 = unstable (alpha > alpha_c(c)), 0 = stable"]),
                Table(suffix: "_\(name)_boundary", label: "\(name) boundary", columns: ["c", "alpha_c"],
                      sets: [(title: "closed-form alpha_c(c), \(name) flips", rows: grid.ratios.indices.map { [grid.ratios[$0], theory.boundary[$0]] })]),
                Table(suffix: "_\(name)_empirical", label: "\(name) finite size", columns: ["c", "alpha", "mean_lambda_min", "unstable_fraction"],
                      sets: empirical, layout: .gridScanLines,
                      notes: ["finite size M + N = \(s.size) (N = round(\(s.size)/(1 + c))), \(s.draws) sampled matrices per cell"]),
            ]
        }
        return tables
    }

    /// Per layer: the finite-size grid points whose majority verdict (unstable if at least half of the draws have
    /// lambda_min < 0) agrees with the theory, the disagreements within 0.1 of the boundary alpha_c(c) and those at
    /// fewer than 25 flippable neurons (where floor(alpha n) is coarse), and the theory's unstable share of its grid.
    public static func agreement(theory: Table, empirical: Table, layer: FlipLayer, size: Int)
        -> (agree: Int, total: Int, nearBoundary: Int, fewNeurons: Int, unstableShare: Double) {
        let points = empirical.sets.flatMap(\.rows)
        var (agree, near, few) = (0, 0, 0)
        for row in points {
            let alphaC = (try? CriticalFraction.value(c: row[0], layer: layer)) ?? .nan
            if (row[1] > alphaC) == (row[3] >= 0.5) {
                agree += 1
                continue
            }
            let shape = EmpiricalPhaseDiagram.shape(c: row[0], size: size)
            if abs(row[1] - alphaC) <= 0.1 { near += 1 } else if (layer == .hidden ? shape.inputs : shape.hidden) < 25 { few += 1 }
        }
        let grid = theory.sets.flatMap(\.rows)
        return (agree, points.count, near, few, Double(grid.count { $0[2] == 1 }) / Double(max(1, grid.count)))
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        Self.layers.enumerated().map { l, layer in
            let a = Self.agreement(theory: tables[3 * l], empirical: tables[3 * l + 2], layer: layer, size: settings(scale).size)
            let n = tables[3 * l].sets.count
            let marks = layer == .hidden
                ? String(format: "alpha_h^c(0.3) = %.4f, alpha_h^c(0.5) = %.4f", (try? CriticalFraction.value(c: 0.3, layer: layer)) ?? .nan,
                         (try? CriticalFraction.value(c: 0.5, layer: layer)) ?? .nan)
                : String(format: "alpha_r^c(0.25) = %.4f, alpha_r^c(1) = %.4f", (try? CriticalFraction.value(c: 0.25, layer: layer)) ?? .nan,
                         (try? CriticalFraction.value(c: 1, layer: layer)) ?? .nan)
            return String(format: "%@ layer: %d x %d theory grid, %.1f%% unstable; %@; finite size agrees with theory at %d of %d points "
                              + "(of the others, %d within 0.1 of the boundary, %d with fewer than 25 flippable neurons)",
                          layer.rawValue, n, n, 100 * a.unstableShare, marks, a.agree, a.total, a.nearBoundary, a.fewNeurons)
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "phase_diagrams.gp", arguments: [.table("_hidden"), .table("_hidden_boundary"), .table("_hidden_empirical"),
                                                            .table("_readout"), .table("_readout_boundary"), .table("_readout_empirical")])
    }
}
