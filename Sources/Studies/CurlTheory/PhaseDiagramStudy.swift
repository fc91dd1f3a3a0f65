import CurlTheory
import Dispatch

/// `phase-diagram`: where the solution manifold is stable over (c, alpha) for one flipped layer: the theory grid
/// (1 = unstable, alpha > alpha_c(c)) and its boundary, and with a finite size the diagram measured on sampled
/// stability matrices (mean lambda_min(K) and the unstable fraction per cell). A shard computes a block of c.
public struct PhaseDiagramStudy: Sendable {
    public var layer: FlipLayer
    public var grid: PhaseGrid
    /// The finite-size diagram: its grid, M + N and draws per cell (nil: theory only).
    public var empirical: (grid: PhaseGrid, size: Int, draws: Int)?
    public var shard: Shard?
    public var seed: UInt64
    public var threads: Int

    public init(layer: FlipLayer, grid: PhaseGrid, empirical: (grid: PhaseGrid, size: Int, draws: Int)?, shard: Shard?, seed: UInt64, threads: Int) {
        self.layer = layer
        self.grid = grid
        self.empirical = empirical
        self.shard = shard
        self.seed = seed
        self.threads = threads
    }

    public struct Results: Encodable, Sendable {
        public let layer: String
        public let cValues: Int
        public let alphaValues: Int
        public let unstableFraction: Double
        public let seconds: Double
        public let shard: String?
    }

    /// `progress(done, total)` follows the finite-size diagram's values of c.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> StudyReport {
        let rows = try shard.map { try grid.rows(shard: $0.index, of: $0.count) } ?? grid.ratios.indices
        let started = DispatchTime.now().uptimeNanoseconds
        let theory = try TheoryPhaseDiagram(layer: layer, grid: grid, rows: rows)
        let cells = rows.map { r in
            (title: "c = \(grid.ratios[r])", rows: grid.alphas.indices.map { a in [grid.ratios[r], grid.alphas[a], theory.isUnstable(row: r, alphaIndex: a) ? 1.0 : 0] })
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        // Grid blocks are separated by one blank line (pm3d scans), not by gnuplot's two-line data-set break.
        var tables = [
            Table(suffix: "", label: "data", columns: ["c", "alpha", "unstable"], sets: cells, layout: .gridScanLines,
                  notes: ["theory: 1 = unstable (alpha > alpha_c(c)), 0 = stable"]),
            Table(suffix: "_boundary", label: "boundary", columns: ["c", "alpha_c"],
                  sets: [("boundary", rows.map { [grid.ratios[$0], theory.boundary[$0 - rows.lowerBound]] })], notes: ["closed-form critical fraction alpha_c(c)"]),
        ]
        if let empirical {
            let erows = try shard.map { try empirical.grid.rows(shard: $0.index, of: $0.count) } ?? empirical.grid.ratios.indices
            let measured = try EmpiricalPhaseDiagram(layer: layer, grid: empirical.grid, rows: erows, size: empirical.size, draws: empirical.draws,
                                                     seed: seed, threads: threads, progress: progress)
            tables.append(Table(suffix: "_empirical", label: "empirical", columns: ["c", "alpha", "mean_lambda_min", "unstable_fraction"],
                                sets: erows.enumerated().map { i, r in
                                    ("c = \(empirical.grid.ratios[r])", empirical.grid.alphas.indices.map { a in
                                        [empirical.grid.ratios[r], empirical.grid.alphas[a], measured.cells[i][a].meanLambdaMin, measured.cells[i][a].unstableFraction] })
                                }, layout: .gridScanLines,
                                notes: ["finite size M + N = \(empirical.size), \(empirical.draws) draws per cell: c alpha mean_lambda_min(K) unstable_fraction"],
                                parameters: [("empirical_size", "\(empirical.size)"), ("empirical_c_points", "\(empirical.grid.ratios.count)"),
                                             ("empirical_alpha_points", "\(empirical.grid.alphas.count)"), ("draws", "\(empirical.draws)")]))
        }
        let points = rows.count * grid.alphas.count
        let unstable = rows.reduce(0) { n, r in n + grid.alphas.indices.count { theory.isUnstable(row: r, alphaIndex: $0) } }
        // A shard draws no figure: the merged files do.
        let figure = shard != nil ? nil : FigurePlan(script: "phase_diagram.gp", arguments: [.table(""), .table("_boundary"),
                                                                                             empirical == nil ? .text("") : .table("_empirical"), .text(layer.rawValue)])
        return StudyReport(
            tables: tables, figure: figure,
            summary: [String(format: "%@ layer: %d x %d theory grid in %.3f s (%.2g us per point)%@", layer.rawValue, rows.count, grid.alphas.count, seconds,
                             1e6 * seconds / Double(points), shard.map { ", shard \($0)" } ?? "")],
            results: Results(layer: layer.rawValue, cValues: rows.count, alphaValues: grid.alphas.count,
                             unstableFraction: Double(unstable) / Double(points), seconds: seconds, shard: shard?.description))
    }
}
