import NumericalKit
import StudentTeacherCore

/// The limiting eigenvalue distribution of Bm = W+^T W+ - W-^T W-, the random part of the stability matrix
/// K = s^2 I + Bm for readout flips (../shared/reference/curl-descent.md sections 4.1, 4.2 "L2", 4.4).
///
/// W+ ((1 - alpha) N x M) and W- (alpha N x M) hold the rows of W1 onto unflipped and flipped hidden neurons,
/// entries of variance s^2/M; |w2|^2 = s^2. The manifold is unstable when Bm has spectrum below -s^2.
///
/// W+^T W+ is Marchenko-Pastur with R-transform a1/(1 - s^2 w), a1 = s^2 (1 - alpha)/c, and -W-^T W- has
/// -a2/(1 + s^2 w), a2 = s^2 alpha/c. Free addition gives z(g) = 1/g + a1/(1 - s^2 g) - a2/(1 + s^2 g), a cubic in g
/// (`selfConsistentCubic`, the notebook's cubic with G = -g); its discriminant in g is the quartic `edgePolynomial`,
/// the notebook's sextic eta^2 - 4 zeta^3 without its spurious factor z^2. Everything scales as s^2: the work is
/// done at s = 1 and rescaled.
public struct ReadoutFlipSpectrum: LimitingSpectrum {
    public let c: Double
    public let alpha: Double
    public let s: Double
    /// Sorted band edges [a1, b1, a2, b2, ...] of the continuous part.
    public let edges: [Double]
    /// The zero modes: Bm has rank at most N, so for c > 1 it has an atom at 0 of mass 1 - 1/c. There are no others
    /// (free convolution puts an atom at a + b only when the masses at a and b add up to more than 1).
    public let atoms: [SpectralAtom]

    public init(c: Double, alpha: Double, s: Double = 1) throws {
        try Validate.ratio(c)
        try Validate.fraction(alpha)
        try Validate.scale(s)
        self.c = c
        self.alpha = alpha
        self.s = s
        let unitEdges = try SpectralSupport.edges(edgePolynomial: Self.reducedEdgePolynomial(c: c, alpha: alpha), typicalSize: max(1, 1 / c),
                                                  spectrum: "readout-flip spectrum at c = \(c), alpha = \(alpha)") {
            try SpectralSupport.hasComplexRoot(Self.selfConsistentCubic(z: $0, c: c, alpha: alpha))
        }
        edges = unitEdges.map { $0 * s * s }
        atoms = c > 1 ? [SpectralAtom(location: 0, mass: 1 - 1 / c)] : []
    }

    /// The limit of lambda_min(K) = s^2 + the lowest point of the spectrum of Bm (the atom at 0 included): the
    /// manifold is unstable when Bm's lower edge is below -s^2 (section 4.1).
    public var smallestEigenvalue: Double { s * s + min(lowerEdge, atoms.map(\.location).min() ?? .infinity) }

    /// The continuous density of Bm at x: |Im g| / pi for the complex roots of the cubic, and 0 outside the bands.
    /// At x = 0 the cubic drops to a quadratic, which the root finder handles by trimming the zero leading coefficient.
    public func density(at x: Double) throws -> Double {
        guard x.isFinite else { throw ParameterError("the density needs a finite point, got \(x)") }
        guard bands.contains(where: { $0.contains(x) }) else { return 0 }
        let s2 = s * s
        return try SpectralSupport.densityFromRoots(of: Self.selfConsistentCubic(z: x / s2, c: c, alpha: alpha)) / s2
    }

    // MARK: - The polynomials at s = 1

    /// c times the cubic z g^3 + (1/c - 1) g^2 + ((1 - 2 alpha)/c - z) g + 1 = 0 (lowest order first), so that its
    /// coefficients stay of order one as c -> 0.
    public static func selfConsistentCubic(z: Double, c: Double, alpha: Double) -> [Double] {
        [c, 1 - 2 * alpha - c * z, 1 - c, c * z]
    }

    /// The edge quartic without its exact double root when all or none of the hidden neurons are flipped:
    /// (2c z + 2c - 1)^2 q(z) at alpha = 0 and (2c z - 2c + 1)^2 q(z) at alpha = 1 (the zero-mass limit of the other
    /// population's band). q gives the Marchenko-Pastur edges +-(1 +- sqrt c)^2 / c.
    static func reducedEdgePolynomial(c: Double, alpha: Double) -> [Double] {
        switch alpha {
        case 0: return [(c - 1) * (c - 1), -2 * c * (c + 1), c * c]
        case 1: return [(c - 1) * (c - 1), 2 * c * (c + 1), c * c]
        default: return edgePolynomial(c: c, alpha: alpha)
        }
    }

    /// The edge quartic in z (lowest order first): the discriminant of the cubic in g, times c^4 / s^4 at s = 1:
    ///     4c^4 z^4 + 12c^3 (2 alpha - 1) z^3 + c^2 (48 alpha^2 - 48 alpha - 8c^2 - 20c + 13) z^2
    ///       + 2c (2 alpha - 1)(8 alpha^2 - 8 alpha + 10c^2 - 11c + 3) z + (c - 1)^2 ((1 - 2 alpha)^2 + 4c^2 - 4c).
    public static func edgePolynomial(c: Double, alpha: Double) -> [Double] {
        let d = 2 * alpha - 1
        let (c2, c3) = (c * c, c * c * c)
        return [
            (c - 1) * (c - 1) * (d * d + 4 * c2 - 4 * c),
            2 * c * d * (8 * alpha * alpha - 8 * alpha + 10 * c2 - 11 * c + 3),
            c2 * (48 * alpha * alpha - 48 * alpha - 8 * c2 - 20 * c + 13),
            12 * c3 * d,
            4 * c2 * c2,
        ]
    }
}
