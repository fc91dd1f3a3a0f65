import CurlTheory

/// `spectrum`: the limiting spectrum of the stability matrix (density, edges, atoms) at one (c, alpha), and with a
/// sample size a normalised histogram of the eigenvalues of sampled matrices beside it.
public struct SpectrumStudy: Sendable {
    public var layer: FlipLayer
    public var c: Double
    public var alpha: Double
    public var points: Int
    /// Hidden width N of the sampled matrices (nil: theory only).
    public var sampleHidden: Int?
    public var draws: Int
    public var bins: Int
    public var seed: UInt64

    public init(layer: FlipLayer, c: Double, alpha: Double, points: Int, sampleHidden: Int?, draws: Int, bins: Int, seed: UInt64) {
        self.layer = layer
        self.c = c
        self.alpha = alpha
        self.points = points
        self.sampleHidden = sampleHidden
        self.draws = draws
        self.bins = bins
        self.seed = seed
    }

    public struct Summary: Encodable, Sendable {
        public let layer: String
        public let c: Double
        public let alpha: Double
        public let edges: [Double]
        public let atoms: [[Double]]
        public let continuousMass: Double
        public let lowerEdge: Double
        public let stable: Bool
        public let sampledEigenvalueRange: [Double]?
    }

    public func run() throws -> StudyReport {
        let theory = try layer.spectrum(c: c, alpha: alpha)
        let lo = theory.edges.first ?? -1
        var eigenvalues: [Double] = []
        if let n = sampleHidden {
            let m = max(1, Int((c * Double(n)).rounded()))
            for d in 0..<draws {
                let sample = try SampledStabilityMatrix(layer: layer, inputs: m, hidden: n, seed: seed, draw: UInt64(d))
                eigenvalues += try SpectrumComparison.sampledEigenvalues(sample, flipped: sample.flipCount(fraction: alpha))
            }
        }
        let comparison = try SpectrumComparison(theory: theory, eigenvalues: eigenvalues, points: points, bins: bins)
        var sets: [(title: String, rows: [[Double]])] = [("density", comparison.curve), ("edges", theory.edges.map { [$0, 0, 0] })]
        if let n = sampleHidden, !eigenvalues.isEmpty {
            sets.append(("histogram of \(eigenvalues.count) sampled eigenvalues (N = \(n))", comparison.histogram))
        }
        let threshold = layer == .hidden ? 0.0 : -1.0  // the manifold is unstable below it (readout: -s^2 at s = 1)
        let summary = Summary(layer: layer.rawValue, c: c, alpha: alpha, edges: theory.edges, atoms: theory.atoms.map { [$0.location, $0.mass] },
                              continuousMass: theory.continuousMass, lowerEdge: lo, stable: theory.isStable,
                              sampledEigenvalueRange: eigenvalues.isEmpty ? nil : [eigenvalues.min()!, eigenvalues.max()!])
        var lines = ["edges: " + theory.edges.map { String(format: "%.6f", $0) }.joined(separator: " ") + String(format: "   continuous mass %.4f", theory.continuousMass)]
        if !theory.atoms.isEmpty { lines.append("atoms: " + theory.atoms.map { String(format: "%.4f at %g", $0.mass, $0.location) }.joined(separator: ", ")) }
        lines.append("manifold \(summary.stable ? "stable" : "unstable") (lower edge \(String(format: "%.6f", lo)) vs \(threshold))")
        if let range = summary.sampledEigenvalueRange { lines.append(String(format: "sampled eigenvalues in [%.4f, %.4f]", range[0], range[1])) }
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: ["x", "density", "count"], sets: sets)],
            figure: FigurePlan(script: "spectrum.gp", arguments: [.table(""), .text("\(layer.rawValue) flips, c = \(c), alpha = \(alpha)"), .text(eigenvalues.isEmpty ? "0" : "1")]),
            summary: lines, results: summary,
            notes: ["continuous mass \(theory.continuousMass); atoms " + theory.atoms.map { "\($0.mass) at \($0.location)" }.joined(separator: ", ")])
    }
}
