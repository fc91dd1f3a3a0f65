import NumericalKit
import StudentTeacherCore

/// A limiting spectrum set beside sampled eigenvalues, as `curldyn spectrum` and the Fig. 7 recipe draw it: the
/// density on an even grid that spans the edges (padded by 10% of the support, at least 1e-4) and every sampled
/// eigenvalue, and a histogram of the eigenvalues over that same range, normalised to a density.
public struct SpectrumComparison: Sendable {
    /// The plotted range.
    public let xMin: Double
    public let xMax: Double
    /// [x, density, 0] at `points` evenly spaced x.
    public let curve: [[Double]]
    /// [bin centre, count / (total * width), count], empty without eigenvalues.
    public let histogram: [[Double]]

    public init(theory: any LimitingSpectrum, eigenvalues: [Double], points: Int, bins: Int) throws {
        guard points >= 2, bins >= 1 else { throw ParameterError("need at least 2 curve points and 1 bin, got \(points), \(bins)") }
        let (lo, hi) = (theory.edges.first ?? -1, theory.edges.last ?? 1)
        let pad = 0.1 * max(hi - lo, 1e-3)
        let xMin = min(lo - pad, eigenvalues.min() ?? .infinity)
        let xMax = max(hi + pad, eigenvalues.max() ?? -.infinity)
        curve = try (0..<points).map { i -> [Double] in
            let x = xMin + (xMax - xMin) * Double(i) / Double(points - 1)
            return [x, try theory.density(at: x), 0]
        }
        if eigenvalues.isEmpty {
            histogram = []
        } else {
            let width = (xMax - xMin) / Double(bins)
            var counts = [Int](repeating: 0, count: bins)
            for v in eigenvalues { counts[min(bins - 1, max(0, Int((v - xMin) / width)))] += 1 }
            histogram = counts.enumerated().map {
                [xMin + (Double($0.offset) + 0.5) * width, Double($0.element) / (Double(eigenvalues.count) * width), Double($0.element)]
            }
        }
        self.xMin = xMin
        self.xMax = xMax
    }

    /// The eigenvalues the theory describes for one sampled matrix: those of K for hidden flips, those of
    /// K - I (= Bm at s = 1) for readout flips.
    public static func sampledEigenvalues(_ sample: SampledStabilityMatrix, flipped k: Int) throws -> [Double] {
        try Eigen.symmetricEigenvalues(sample.stabilityMatrix(flipped: k)).map { sample.layer == .readout ? $0 - 1 : $0 }
    }
}
