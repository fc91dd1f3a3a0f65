import CurlTheory
import Foundation

/// Fig. 7 of the curl-descent paper (the reference's "Eigval_distrib_theory_vs_empirical"; the figure number is
/// UNCONFIRMED, curl-descent.md 6): the limiting eigenvalue density of the stability matrix with its spectral
/// edges and atoms, against a 100-bin histogram of the eigenvalues of sampled matrices. (a) readout flips,
/// M = 4000, N = 400, 200 flipped (c = 10, alpha_r = 0.5; the eigenvalues of Bm = K - I); (b) hidden flips,
/// M = 1000, N = 10000, 700 flipped (c = 0.1, alpha_h = 0.7; those of X = K).
///
/// Each cell is one sampled matrix (layer, draw): its eigenvalues are the record.
public struct Spectra: FigureRecipe {
    public init() {}

    public let name = "fig7"
    public let summary = "stability-matrix spectra: limiting density, edges and atoms against sampled eigenvalues (readout and hidden flips)"

    /// The sampled network of one layer: M inputs, N hidden neurons, `flipped` flipped neurons.
    struct Sample {
        let layer: FlipLayer, inputs: Int, hidden: Int, flipped: Int
        var c: Double { Double(inputs) / Double(hidden) }
        var alpha: Double { Double(flipped) / Double(layer == .hidden ? inputs : hidden) }
    }

    struct Settings {
        let samples: [Sample], draws: Int, points: Int, bins: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(samples: [Sample(layer: .readout, inputs: 4000, hidden: 400, flipped: 200),
                                       Sample(layer: .hidden, inputs: 1000, hidden: 10000, flipped: 700)], draws: 1, points: 800, bins: 100)
        case .quick: Settings(samples: [Sample(layer: .readout, inputs: 1000, hidden: 100, flipped: 50),
                                        Sample(layer: .hidden, inputs: 300, hidden: 3000, flipped: 210)], draws: 10, points: 800, bins: 100)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return s.samples.map { ("\($0.layer.rawValue)_M_N_flipped", "\($0.inputs),\($0.hidden),\($0.flipped)") }
            + [("draws", "\(s.draws)"), ("bins", "\(s.bins)"), ("density_points", "\(s.points)")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        let s = settings(scale)
        return Cell.grid([("panel", s.samples.indices.map(Double.init)), ("draw", (0..<s.draws).map(Double.init))])
    }

    public var costUnit: CostUnit { CostUnit("eigensolve of size 1000", "eigensolves of size 1000") }
    /// One eigensolve of an M x M matrix, in units of (M / 1000)^3.
    public func cost(_ cell: Cell, scale: Scale) -> Double {
        pow(Double(settings(scale).samples[cell.integer("panel")].inputs) / 1000, 3)
    }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let p = settings(scale).samples[cell.integer("panel")]
        let sample = try SampledStabilityMatrix(layer: p.layer, inputs: p.inputs, hidden: p.hidden, seed: seed)
        return CellRecord(key: cell.key, series: ["eigenvalues": try SpectrumComparison.sampledEigenvalues(sample, flipped: p.flipped)])
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let s = settings(scale)
        var tables: [Table] = []
        var stats: [(title: String, rows: [[Double]])] = []
        for (i, p) in s.samples.enumerated() {
            let eigenvalues = zip(cells, records).filter { $0.0.integer("panel") == i }.flatMap { $0.1.series["eigenvalues"] ?? [] }
            let theory = try p.layer.spectrum(c: p.c, alpha: p.alpha)
            let comparison = try SpectrumComparison(theory: theory, eigenvalues: eigenvalues, points: s.points, bins: s.bins)
            // Inside the support: in a band, or within 1e-8 of an atom (the readout law's M - N zero eigenvalues).
            let inside = eigenvalues.count { v in theory.bands.contains { $0.contains(v) } || theory.atoms.contains { abs($0.location - v) < 1e-8 } }
            tables.append(Table(suffix: "_\(p.layer.rawValue)", label: "\(p.layer.rawValue) flips", columns: ["x", "density", "count"],
                                sets: [(title: "limiting density", rows: comparison.curve), (title: "edges", rows: theory.edges.map { [$0, 0, 0] }),
                                       (title: "histogram of \(eigenvalues.count) sampled eigenvalues (M = \(p.inputs), N = \(p.hidden), \(p.flipped) flipped, \(s.draws) draw(s))",
                                        rows: comparison.histogram),
                                       (title: "atoms: location, mass, 0", rows: theory.atoms.isEmpty ? [[.nan, .nan, 0]] : theory.atoms.map { [$0.location, $0.mass, 0] })],
                                notes: ["\(p.layer.rawValue) flips, c = M/N = \(p.c), alpha = \(p.alpha)" + (p.layer == .readout ? "; eigenvalues of Bm = K - I (s = 1)" : "; eigenvalues of X = K"),
                                        "density integrates to the continuous mass \(theory.continuousMass); histogram normalised over all sampled eigenvalues"]))
            stats.append((title: "\(p.layer.rawValue) flips", rows: [[Double(p.inputs), Double(p.hidden), Double(p.flipped), theory.edges.first ?? .nan,
                                                                        theory.edges.last ?? .nan, theory.continuousMass, theory.atoms.first?.location ?? .nan,
                                                                        theory.atoms.first?.mass ?? .nan, eigenvalues.min() ?? .nan, eigenvalues.max() ?? .nan,
                                                                        Double(inside) / Double(max(1, eigenvalues.count))]]))
        }
        tables.append(Table(suffix: "_summary", label: "summary", columns: ["M", "N", "flipped", "lower_edge", "upper_edge", "continuous_mass", "atom_location",
                                                                           "atom_mass", "sampled_min", "sampled_max", "fraction_in_support"], sets: stats,
                            notes: ["fraction_in_support: sampled eigenvalues inside a band of the limiting law or within 1e-8 of an atom"]))
        return tables
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        let s = settings(scale)
        return zip(s.samples, tables).map { p, t in
            let r = tables.last!.sets[s.samples.firstIndex { $0.layer == p.layer }!].rows[0]
            let atoms = t.sets[3].rows.filter { !$0[0].isNaN }.map { String(format: "%.3f at %g", $0[1], $0[0]) }
            return String(format: "%@ (M %d, N %d, %d flipped): edges [%@], atoms [%@]; sampled eigenvalues in [%.4f, %.4f], %.1f%% in the support",
                          p.layer.rawValue, p.inputs, p.hidden, p.flipped, t.sets[1].rows.map { String(format: "%.4f", $0[0]) }.joined(separator: " "),
                          atoms.joined(separator: ", "), r[8], r[9], 100 * r[10])
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "spectra.gp", arguments: [.table("_readout"), .text("(a) readout flips, c = M/N = 10, {/Symbol a}_r = 0.5: eigenvalues of B_m = K - I"),
                                                      .table("_hidden"), .text("(b) hidden flips, c = M/N = 0.1, {/Symbol a}_h = 0.7: eigenvalues of X = K")])
    }
}
