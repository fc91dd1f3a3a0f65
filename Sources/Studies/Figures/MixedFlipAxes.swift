import CurlTheory

/// The (alpha_h, alpha_r) window of the mixed-flip maps at ratio c: from 0 to 1.5 times each pure critical fraction
/// (capped at 1), so the stable corner and the boundary fill the map at every c (at c = 0.5 the stable corner is
/// 0.047 x 0.097; on the unit square it would be one cell). Each axis has `points` evenly spaced values.
enum MixedFlipAxes {
    static func hidden(c: Double, points: Int) -> [Double] {
        GridAxis.linspace(0, min(1, 1.5 * ((try? CriticalFraction.hidden(c: c)) ?? 1)), points)
    }

    static func readout(c: Double, points: Int) -> [Double] {
        GridAxis.linspace(0, min(1, 1.5 * ((try? CriticalFraction.readout(c: c)) ?? 1)), points)
    }

    /// Every (c, alpha_h, alpha_r, trailing...) combination, each c with its own window, indexed in that order.
    static func cells(ratios: [Double], points: Int, trailing: (String, [Double])) -> [Cell] {
        let combinations = ratios.flatMap { c in
            Cell.grid([("c", [c]), ("alpha_h", hidden(c: c, points: points)), ("alpha_r", readout(c: c, points: points)), trailing])
        }
        return combinations.enumerated().map { k, cell in Cell(index: k, parameters: Array(zip(cell.names, cell.values))) }
    }

    /// The theory boundary alpha_r*(alpha_h) at c as a table (points along rays from the origin, MixedCriticalFraction).
    static func boundaryTable(c: Double, suffix: String) throws -> Table {
        let curve = try MixedCriticalFraction.boundary(c: c, points: 181)
        return Table(suffix: suffix, label: "boundary c = \(c)", columns: ["alpha_h", "alpha_r"],
                     sets: [(title: "theory alpha_r*(alpha_h) at c = \(c): lambda_min(K) = 0 in the free-addition limit",
                             rows: curve.map { [$0.alphaHidden, $0.alphaReadout] })])
    }
}
