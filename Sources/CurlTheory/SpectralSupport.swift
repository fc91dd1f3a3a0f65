import NumericalKit

/// A point mass of a limiting spectrum: `mass` (a fraction of all eigenvalues) at `location`.
public struct SpectralAtom: Equatable, Sendable {
    public let location: Double
    public let mass: Double

    public init(location: Double, mass: Double) {
        self.location = location
        self.mass = mass
    }
}

/// The support of a limiting density whose Stieltjes transform solves a polynomial equation P(x, G) = 0.
///
/// The density can only switch on or off where P has a double root in G, i.e. at the real roots of the
/// discriminant ("edge polynomial") in x. Between two consecutive roots the density is either zero or not, so one
/// probe at the midpoint decides; a root is an edge when the two sides differ. This is the reference notebook's
/// density-jump test (curl-descent.md section 4.2, step 3) with probes at midpoints instead of +-1e-3, so it also
/// works for narrow gaps. Near-coincident roots (a spurious double root that rounding split, or a pair that came out
/// complex with a tiny imaginary part) are clustered and tested as one point, so they are never edges: bands and
/// gaps narrower than 1e-6 of the spectrum's scale are not resolved.
enum SpectralSupport {
    /// Sorted band edges [a1, b1, a2, b2, ...]: the density is positive on each (a_i, b_i) and zero elsewhere.
    ///
    /// `typicalSize` is the order of magnitude of the edges (1/c for small c): the edge polynomial is solved in
    /// x / typicalSize, where its coefficients are of order one, and the tolerances are relative to it.
    /// Throws when the edges do not pair into bands; `spectrum` names the spectrum in that message.
    static func edges(edgePolynomial: [Double], typicalSize: Double, spectrum: String, isInside: (Double) throws -> Bool) throws -> [Double] {
        let edges = try unpairedEdges(edgePolynomial: edgePolynomial, typicalSize: typicalSize, isInside: isInside)
        guard !edges.isEmpty, edges.count.isMultiple(of: 2) else {
            throw CurlTheoryError.numericalFailure("\(spectrum): edges \(edges) do not pair into bands")
        }
        return edges
    }

    private static func unpairedEdges(edgePolynomial: [Double], typicalSize: Double, isInside: (Double) throws -> Bool) throws -> [Double] {
        var power = 1.0
        let scaled = edgePolynomial.map { a in defer { power *= typicalSize }; return a * power }
        let candidates = try Polynomial.roots(scaled)
            .filter { abs($0.imaginary) <= 1e-7 * max(1, $0.length) }
            .map { $0.real * typicalSize }
            .sorted()
        guard let first = candidates.first, let last = candidates.last else { return [] }
        var clusters: [[Double]] = []
        for r in candidates {
            if let previous = clusters.last?.last, r - previous <= 1e-6 * max(typicalSize, abs(r)) {
                clusters[clusters.count - 1].append(r)
            } else {
                clusters.append([r])
            }
        }
        let points = clusters.map { $0.reduce(0, +) / Double($0.count) }
        let margin = typicalSize + (last - first)
        var probes = [first - margin]
        for (a, b) in zip(points, points.dropFirst()) { probes.append(0.5 * (a + b)) }
        probes.append(last + margin)
        let inside = try probes.map(isInside)
        return points.indices.filter { inside[$0] != inside[$0 + 1] }.map { points[$0] }
    }

    /// max |Im G| / pi over the roots of the self-consistent polynomial in G (coefficients lowest order first).
    /// Complex roots of a real polynomial come in conjugate pairs, so this is Im G / pi for the root with Im G > 0.
    static func densityFromRoots(of polynomial: [Double]) throws -> Double {
        let roots = try Polynomial.roots(trimmingNegligibleLeading(polynomial))
        return (roots.map { abs($0.imaginary) }.max() ?? 0) / .pi
    }

    /// Whether the self-consistent polynomial has a genuinely complex root at a probe point. Away from the edges a
    /// root is either real (imaginary part zero up to rounding) or complex with Im of the order of its modulus.
    /// The test is per root: a nearly vanishing leading coefficient adds a huge real root that sets no scale.
    static func hasComplexRoot(_ polynomial: [Double]) throws -> Bool {
        try Polynomial.roots(trimmingNegligibleLeading(polynomial)).contains { abs($0.imaginary) > 1e-8 * $0.length }
    }

    /// Drops leading coefficients below 1e-13 of the largest: near the point where the self-consistent polynomial
    /// loses a degree (x = +-1 hidden, z = 0 readout) one root runs off to |G| > 1e13, and keeping it in the companion
    /// matrix spoils the others. The physical root stays bounded inside a band, so it is never the one dropped.
    static func trimmingNegligibleLeading(_ polynomial: [Double]) -> [Double] {
        let largest = polynomial.map(abs).max() ?? 0
        var p = polynomial
        while p.count > 1, let last = p.last, abs(last) <= 1e-13 * largest { p.removeLast() }
        return p
    }

    /// Pairs of edges as closed bands.
    static func bands(_ edges: [Double]) -> [ClosedRange<Double>] {
        stride(from: 0, to: edges.count - 1, by: 2).map { edges[$0]...edges[$0 + 1] }
    }
}
