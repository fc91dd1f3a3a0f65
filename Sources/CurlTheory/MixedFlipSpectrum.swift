import NumericalKit

/// The bottom of the limiting spectrum of the stability matrix with hidden AND readout flips at once,
/// K = D1 + W1^T D2 W1 (../shared/reference/curl-descent.md sections 3, 4.1; |w2|^2 = 1, W1 entries of variance 1/M),
/// with a fraction alpha_h of the M inputs flipped (D1, hidden-layer weights) and a fraction alpha_r of the N hidden
/// neurons flipped (D2, readout weights). The spec derives the pure cases only (alpha_r = 0: `HiddenFlipSpectrum`,
/// alpha_h = 0: `ReadoutFlipSpectrum`); this is their common generalisation. The manifold is stable iff
/// lambda_min(K) > 0.
///
/// DERIVATION
///
/// 1. Free addition. K = D + B with D = D1 (deterministic, +1 with weight 1 - alpha_h, -1 with weight alpha_h) and
///    B = W+^T W+ - W-^T W- (W+, W-: the rows of W1 onto unflipped and flipped hidden neurons). B is unitarily
///    invariant (W1 is Gaussian), so D and B are asymptotically free and the law of K is the free additive
///    convolution of theirs. B's R-transform is that of `ReadoutFlipSpectrum` at s = 1,
///        R_B(w) = a1/(1 - w) - a2/(1 + w),   a1 = (1 - alpha_r)/c,  a2 = alpha_r/c,
///    and D's Stieltjes transform is G_D(u) = (u + Delta)/(u^2 - 1), Delta = 1 - 2 alpha_h.
/// 2. Subordination. G_K(x) = G_D(u) with u = omega(x) = x - R_B(G_K(x)); so on the real axis below the support
///        x(u) = u + R_B(G_D(u)),   u < inf supp D   (-1 if alpha_h > 0, +1 if alpha_h = 0).
///    As x rises from -infinity to lambda_min, G_K is real and decreasing and u rises monotonically from -infinity;
///    x(u) is the inverse map, increasing until its first critical point, where the density switches on with a
///    square-root edge. So lambda_min = x(u*), u* the smallest real root of dx/du below inf supp D.
///    (If dx/du never vanishes there, x(u) -> inf supp D, and the bottom is D's atom, smeared into nothing: -1 or +1.)
/// 3. The critical points. With A = u^2 - u - 1 - Delta (1 - G_D = A/(u^2 - 1)), B2 = u^2 + u - 1 + Delta
///    (1 + G_D = B2/(u^2 - 1)) and w = u^2 + 2 Delta u + 1 (the Wronskians (u^2 - 1)' A - (u^2 - 1) A' = -w and the same
///    with B2 = +w),
///        dx/du = 1 - w (a1/A^2 + a2/B2^2),
///    so u* is a root of the octic A^2 B2^2 - w (a1 B2^2 + a2 A^2) (`criticalPointPolynomial`). It is written in
///    v = u + 1, where A = v^2 - 3v + 2 alpha_h, B2 = v^2 - v - 2 alpha_h, w = v^2 - 4 alpha_h v + 4 alpha_h: few flipped
///    inputs crowd roots around u = -1, and in v their small coefficients are exact instead of cancellations like
///    1 - Delta. Exact factors that would give spurious roots are removed: v^4 at alpha_h = 0, (v - 2)^4 at alpha_h = 1,
///    B2^2 when a2 = 0 and A^2 when a1 = 0. Since x is stationary at u*, an error e in u* moves lambda_min by O(e^2).
/// 4. Checks. alpha_r = 0 gives back the hidden-flip law (R_B = 1/(c(1 - w))), alpha_h = 0 the readout-flip law shifted
///    by 1 (G_D(u) = 1/(u - 1), so x = 1 + G_B^{-1}); both limits are tested against the closed forms, and mixed points
///    against sampled K at N = 2000 (Tests/CurlTheoryTests/MixedFlipTests.swift).
/// 5. Atoms. B has rank <= N, so for c > 1 it has an atom at 0 of mass 1 - 1/c; free convolution puts an atom of K at
///    -1 (+1) with mass alpha_h - 1/c (1 - alpha_h - 1/c) where that is positive, as for hidden flips alone.
///
/// 6. A vanishing fraction of flipped inputs. As alpha_h -> 0+ the flipped inputs' band shrinks to a BBP outlier of
///    I + B - 2 P (P a finite-rank projection on inputs), at x with G_{I+B}(x) = -1/2; it reaches 0 when R_B(-1/2) = 1,
///    i.e. (2/3) a1 - 2 a2 = 1: alpha_r = (2 - 3c)/8 (= 0 at c = 2/3, the spec's single-flip threshold). The outlier
///    leaves the bulk only for c > 1/4 (where (2 - 3c)/8 meets alpha_r^c(1/4) = 5/32), so for 1/4 < c < 2/3 the
///    boundary jumps at alpha_h = 0: one flipped input already lowers the readout tolerance from alpha_r^c(c) to
///    (2 - 3c)/8; for c <= 1/4 it does not jump (both tested, and seen in `smallestEigenvalue` at alpha_h = 1e-12).
///
/// lambda_min(K) never increases with alpha_h or alpha_r (each flip subtracts a positive semidefinite term), so the
/// stable region is a corner of the (alpha_h, alpha_r) square bounded by one monotone curve (`MixedCriticalFraction`).
public struct MixedFlipSpectrum: Sendable {
    public let c: Double
    /// Fraction of flipped inputs (D1).
    public let alphaHidden: Double
    /// Fraction of flipped hidden neurons (D2).
    public let alphaReadout: Double
    /// The lowest edge of the continuous part, or nil when the continuous part reaches down to inf supp D only
    /// through D's atom (see `smallestEigenvalue`).
    public let lowerEdge: Double?
    /// Point masses at -1 and +1 (from the zero modes of B when c > 1).
    public let atoms: [SpectralAtom]

    public init(c: Double, alphaHidden: Double, alphaReadout: Double) throws {
        try Validate.ratio(c)
        try Validate.fraction(alphaHidden)
        try Validate.fraction(alphaReadout)
        self.c = c
        self.alphaHidden = alphaHidden
        self.alphaReadout = alphaReadout
        atoms = [SpectralAtom(location: -1, mass: alphaHidden - 1 / c), SpectralAtom(location: 1, mass: (1 - alphaHidden) - 1 / c)]
            .filter { $0.mass > 0 }
        let end = Self.domainEnd(alphaHidden: alphaHidden) + 1  // in v = u + 1
        // Solve in v / scale, where the coefficients are of order one (u* ~ -1/c for small c).
        let scale = max(1, 1 / c)
        var power = 1.0
        let scaled = Self.criticalPointPolynomial(c: c, alphaHidden: alphaHidden, alphaReadout: alphaReadout).map { a in
            defer { power *= scale }
            return a * power
        }
        let roots = try Polynomial.roots(scaled)
            .filter { abs($0.imaginary) <= 1e-7 * max(1, $0.length) }
            .map { $0.real * scale }
            .filter { $0 <= end + 1e-9 * scale }
        lowerEdge = roots.min().map { Self.subordinationMap(v: min($0, end), c: c, alphaHidden: alphaHidden, alphaReadout: alphaReadout) }
    }

    /// The limit of lambda_min(K): the lowest of the continuous part's edge and the atoms; when x(u) has no critical
    /// point below inf supp D the spectrum reaches down to inf supp D itself.
    public var smallestEigenvalue: Double {
        let bottom = lowerEdge ?? Self.domainEnd(alphaHidden: alphaHidden)
        return min(bottom, atoms.map(\.location).min() ?? .infinity)
    }

    /// Whether the solution manifold is stable in the limit.
    public var isStable: Bool { smallestEigenvalue > 0 }

    /// inf supp D: -1 when some input is flipped, +1 otherwise.
    static func domainEnd(alphaHidden: Double) -> Double { alphaHidden > 0 ? -1 : 1 }

    /// x = u + R_B(G_D(u)) (step 2) at u = v - 1, with 1 - G_D = A/(v(v - 2)) and 1 + G_D = B2/(v(v - 2)). A term whose
    /// weight is 0 is left out rather than evaluated at its pole.
    public static func subordinationMap(v: Double, c: Double, alphaHidden h: Double, alphaReadout r: Double) -> Double {
        let p = v * (v - 2), a = v * v - 3 * v + 2 * h, b = v * v - v - 2 * h
        let unflipped = r < 1 ? (1 - r) / c * p / a : 0
        let flipped = r > 0 ? r / c * p / b : 0
        return v - 1 + unflipped - flipped
    }

    /// dx/dv = 1 - w (a1/A^2 + a2/B2^2) (step 3, in v = u + 1), for tests.
    public static func subordinationSlope(v: Double, c: Double, alphaHidden h: Double, alphaReadout r: Double) -> Double {
        let a = v * v - 3 * v + 2 * h, b = v * v - v - 2 * h, w = v * v - 4 * h * v + 4 * h
        return 1 - w * ((1 - r) / c / (a * a) + r / c / (b * b))
    }

    /// The numerator of dx/dv (lowest order first, in v = u + 1), without the exact factors that vanish with
    /// alpha_h in {0, 1}, a1 = 0 or a2 = 0 (step 3).
    public static func criticalPointPolynomial(c: Double, alphaHidden h: Double, alphaReadout r: Double) -> [Double] {
        let a1 = (1 - r) / c, a2 = r / c
        let (a, b, w): ([Double], [Double], [Double]) = switch h {
        case 0: ([-3, 1], [-1, 1], [1])  // A/v, B2/v, w/v^2
        case 1: ([-1, 1], [1, 1], [1])  // A/(v - 2), B2/(v - 2), w/(v - 2)^2
        default: ([2 * h, -3, 1], [-2 * h, -1, 1], [4 * h, -4 * h, 1])
        }
        let a2Poly = multiply(a, a), b2Poly = multiply(b, b)
        if a2 == 0 { return add(a2Poly, w.map { -a1 * $0 }) }
        if a1 == 0 { return add(b2Poly, w.map { -a2 * $0 }) }
        return add(multiply(a2Poly, b2Poly), multiply(w, add(b2Poly.map { a1 * $0 }, a2Poly.map { a2 * $0 })).map { -$0 })
    }

    static func multiply(_ p: [Double], _ q: [Double]) -> [Double] {
        var r = [Double](repeating: 0, count: p.count + q.count - 1)
        for (i, x) in p.enumerated() { for (j, y) in q.enumerated() { r[i + j] += x * y } }
        return r
    }

    static func add(_ p: [Double], _ q: [Double]) -> [Double] {
        (0..<max(p.count, q.count)).map { (($0 < p.count) ? p[$0] : 0) + (($0 < q.count) ? q[$0] : 0) }
    }
}
