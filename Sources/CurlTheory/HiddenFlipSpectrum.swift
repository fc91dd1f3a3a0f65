import NumericalKit
import StudentTeacherCore

/// The limiting eigenvalue distribution of X = D + W W^T, the stability matrix K for hidden-layer flips
/// (../shared/reference/curl-descent.md sections 4.1, 4.3).
///
/// W is M x N with i.i.d. entries of variance 1/M (W W^T is Wishart with ratio c = M/N, R-transform 1/(c(1 - w))),
/// |w2|^2 = 1, and D = diag(+-1) has a fraction alpha of -1 entries (Delta = 1 - 2 alpha). The Jacobian's
/// transverse eigenvalues are -sigma_x^2 eig(X): the manifold is unstable when X has spectrum below 0.
///
/// Free addition gives x(G) = 1/(c(1 - G)) + G_D^{-1}(G) with G_D(z) = (z + Delta)/(z^2 - 1); clearing denominators
/// turns it into a cubic in G (`selfConsistentCubic`), whose discriminant in G is c^2 Q(x) with Q the quartic
/// `edgePolynomial`. Edges are the real roots of Q across which the density switches on or off.
public struct HiddenFlipSpectrum: LimitingSpectrum {
    public let c: Double
    public let alpha: Double
    /// Sorted band edges [a1, b1, a2, b2, ...] of the continuous part (one or two bands).
    public let edges: [Double]
    /// Point masses, which the edges do not see (section 4.3): at +1 with mass (1 - alpha) - 1/c and at -1 with
    /// mass alpha - 1/c, where positive. Both come from the M - N zero modes of W W^T when c > 1: they meet the
    /// +1 (-1) eigenspace of D in at least M(1 - alpha) - N (M alpha - N) dimensions, on which X acts as D.
    public let atoms: [SpectralAtom]

    public init(c: Double, alpha: Double) throws {
        try Validate.ratio(c)
        try Validate.fraction(alpha)
        self.c = c
        self.alpha = alpha
        edges = try SpectralSupport.edges(edgePolynomial: Self.reducedEdgePolynomial(c: c, alpha: alpha), typicalSize: max(1, 1 / c),
                                          spectrum: "hidden-flip spectrum at c = \(c), alpha = \(alpha)") {
            try SpectralSupport.hasComplexRoot(Self.selfConsistentCubic(x: $0, c: c, alpha: alpha))
        }
        atoms = [SpectralAtom(location: -1, mass: alpha - 1 / c), SpectralAtom(location: 1, mass: (1 - alpha) - 1 / c)]
            .filter { $0.mass > 0 }
    }

    /// The lowest point of the whole spectrum of X (atoms included): the limit of lambda_min(K). The manifold is
    /// unstable when it is below 0 (section 4.1).
    public var smallestEigenvalue: Double { min(lowerEdge, atoms.map(\.location).min() ?? .infinity) }

    /// The continuous density rho(x): Im G / pi for the root G of the cubic with Im G > 0, and 0 outside the bands.
    public func density(at x: Double) throws -> Double {
        guard x.isFinite else { throw ParameterError("the density needs a finite point, got \(x)") }
        guard bands.contains(where: { $0.contains(x) }) else { return 0 }
        return try SpectralSupport.densityFromRoots(of: Self.selfConsistentCubic(x: x, c: c, alpha: alpha))
    }

    // MARK: - The polynomials of section 4.3

    /// The cubic in G (lowest order first) whose complex root gives the density at x:
    ///     c^2 (x^2 - 1) G^3 - c(Delta c + 2c x^2 + c x - 2c - 2x) G^2
    ///       + (2 Delta c^2 + c^2 x^2 + 2c^2 x - c^2 - 2c x - c + 1) G - c(Delta c + c x - 1) = 0.
    /// At x = +-1 it drops to a quadratic, which the root finder handles by trimming the zero leading coefficient.
    public static func selfConsistentCubic(x: Double, c: Double, alpha: Double) -> [Double] {
        let d = 1 - 2 * alpha
        return [
            -c * (d * c + c * x - 1),
            2 * d * c * c + c * c * x * x + 2 * c * c * x - c * c - 2 * c * x - c + 1,
            -c * (d * c + 2 * c * x * x + c * x - 2 * c - 2 * x),
            c * c * (x * x - 1),
        ]
    }

    /// Q without its exact double root when D has one sign only: Q = (3c x + 3c - 2)^2 q(x) at alpha = 0 and
    /// (c x - c - 2)^2 q(x) at alpha = 1, where the double root (the zero-mass limit of the flipped or unflipped
    /// inputs' band) splits under rounding, by up to ~1e-6 near c = 1/9 where it meets an edge. q gives the shifted
    /// Marchenko-Pastur edges +-1 + (1 +- sqrt c)^2 / c.
    static func reducedEdgePolynomial(c: Double, alpha: Double) -> [Double] {
        switch alpha {
        case 0: return [4 * c * c + 1, -(4 * c * c + 2 * c), c * c]
        case 1: return [1 - 4 * c, -2 * c, c * c]
        default: return edgePolynomial(c: c, alpha: alpha)
        }
    }

    /// The edge quartic Q(x) (lowest order first): the discriminant of `selfConsistentCubic` in G, divided by c^2.
    public static func edgePolynomial(c: Double, alpha: Double) -> [Double] {
        let d = 1 - 2 * alpha
        let (c2, c3, c4) = (c * c, c * c * c, c * c * c * c)
        let x4 = c4 * (4 * d + 5)
        let x3 = -2 * c3 * (4 * d * c + 6 * d + 5 * c + 9)
        let x2 = -c2 * (8 * d * d * c2 + 14 * d * c2 + 2 * d * c - 12 * d + 5 * c2 - 2 * c - 25)
        let x1 = 2 * c * (4 * d * d * c3 - 10 * d * d * c2 + 9 * d * c3 - 6 * d * c2 + 5 * d * c - 2 * d + 5 * c3 + 7 * c2 + 8 * c - 8)
        let x0 = 4 * d * d * d * c4 + 13 * d * d * c4 - 2 * d * d * c3 + d * d * c2 + 14 * d * c4 - 22 * d * c3 + 20 * d * c2
            + 5 * c4 - 24 * c3 + 4 * c2 - 12 * c + 4
        return [x0, x1, x2, x3, x4]
    }
}
