import CurlTheory

/// Curves against the flipped fraction alpha, one per network size, for grids of cells (size, alpha, init) such as
/// Fig. 3b's q and the Lyapunov exponents: each size's rows (one per alpha, from that point's records in grid order),
/// titled by c = M/N, M and N, and the theory's critical fraction of `layer` at each c.
struct CurvesAgainstFlips {
    var sets: [(title: String, rows: [[Double]])] = []
    /// [c, alpha_c(c)] per size.
    var critical: [[Double]] = []

    init(sizes: [(Int, Int)], layer: FlipLayer, cells: [Cell], records: [CellRecord],
         row: (_ alpha: Double, _ records: [CellRecord]) -> [Double]) throws {
        let alphas = Array(Set(cells.map { $0["alpha"] })).sorted()
        for (k, (m, n)) in sizes.enumerated() {
            let c = Double(m) / Double(n)
            let rows = alphas.map { alpha in
                row(alpha, zip(cells, records).filter { $0.0.integer("size") == k && $0.0["alpha"] == alpha }.map(\.1))
            }
            sets.append((title: String(format: "c = %.3f (M = %d, N = %d)", c, m, n), rows: rows))
            critical.append([c, try CriticalFraction.value(c: c, layer: layer)])
        }
    }
}
