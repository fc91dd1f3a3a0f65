import NumericalKit

/// The critical fraction of rule-flipped neurons above which the zero-error solution manifold of the linear
/// network loses stability, in the limit N, M -> infinity at fixed c = M/N
/// (../shared/reference/curl-descent.md sections 4.3-4.4; the roots chosen as in section 8, item 8).
///
/// The manifold is stable for alpha < alpha_c(c) and unstable for alpha > alpha_c(c). Each alpha_c is a root of a
/// cubic: GSL's `gsl_poly_solve_cubic` (through `Polynomial.realCubicRoots`) locates it, and a safeguarded Newton
/// step inside a sign-change bracket that holds exactly that root polishes it to machine precision.
public enum CriticalFraction {
    /// alpha_h^c(c), hidden-layer flips (X = D + W W^T has its lower spectral edge at 0).
    ///
    /// 1 for c <= 1/4 (stable even with every input flipped), 0 for c >= 2/3 (a single flipped input already
    /// destabilises; the cubic's root there is spurious), and between them the unique root in [0, 1] of
    ///     32c^2 a^3 - (100c^2 - 8c + 4) a^2 + (104c^2 - 52c + 44) a - (3c - 2)^2 (4c^2 + 1)/c^2 = 0.
    /// The cubic is negative at a = 0 and equals (c + 2)^2 (4c - 1)/c^2 > 0 at a = 1, so [0, 1] brackets the root.
    public static func hidden(c: Double) throws -> Double {
        try Validate.ratio(c)
        if c <= 0.25 { return 1 }
        if c >= 2.0 / 3 { return 0 }
        let cubic = hiddenBoundaryCubic(c: c)
        let guess = try Polynomial.realCubicRoots(a3: cubic[3], a2: cubic[2], a1: cubic[1], a0: cubic[0])
            .first { (-1e-9...(1 + 1e-9)).contains($0) } ?? 0.5
        return try RootRefinement.refine({ RootRefinement.evaluate(cubic, at: $0) }, guess: guess, bracket: 0...1)
    }

    /// alpha_r^c(c), readout flips (the lower spectral edge of W+^T W+ - W-^T W- reaches -s^2): the smallest root
    /// in (0, 1) of
    ///     R(a) = 32c a^3 - (52c^2 + 40c + 4) a^2 + (64c^3 + 8c^2 + 20c + 4) a - (4c^2 + 1) = 0.
    /// R(0) = -(4c^2 + 1) < 0 and R(1/2) = c (32c^2 - 13c + 4) > 0 for every c > 0, so the root lies in (0, 1/2);
    /// the other real roots (for c < 1/4) exceed 1/2 and are not the boundary.
    public static func readout(c: Double) throws -> Double {
        try Validate.ratio(c)
        let cubic = readoutBoundaryCubic(c: c)
        let guess = try Polynomial.realCubicRoots(a3: cubic[3], a2: cubic[2], a1: cubic[1], a0: cubic[0])
            .first { $0 > 0 && $0 < 0.5 + 1e-9 } ?? 0.25
        return try RootRefinement.refine({ readoutBoundary(alpha: $0, c: c) }, guess: guess, bracket: 0...0.5)
    }

    /// alpha_c(c) of either layer.
    public static func value(c: Double, layer: FlipLayer) throws -> Double {
        switch layer {
        case .hidden: return try hidden(c: c)
        case .readout: return try readout(c: c)
        }
    }

    /// Whether the theory predicts an unstable solution manifold: alpha > alpha_c(c) (alpha = alpha_c is marginal).
    public static func isUnstable(c: Double, alpha: Double, layer: FlipLayer) throws -> Bool {
        try Validate.fraction(alpha)
        return try alpha > value(c: c, layer: layer)
    }

    /// The critical ratio c*(alpha): the manifold is stable for c < c* and unstable for c > c* (alpha_c decreases with c).
    ///
    /// * Hidden: c* in [1/4, 2/3], the root of the boundary cubic multiplied by c^2, a quartic in c; 1/4 for alpha = 1.
    /// * Readout: c* > 0, the positive root of R as a cubic in c, for 0 < alpha < 1/2; 0 for alpha >= 1/2
    ///   (alpha_r^c < 1/2 at every c, so half the hidden neurons flipped is unstable at any c).
    /// * alpha = 0 (gradient descent) is stable at every c: +infinity.
    public static func criticalRatio(alpha: Double, layer: FlipLayer) throws -> Double {
        try Validate.fraction(alpha)
        if alpha == 0 { return .infinity }
        switch layer {
        case .hidden:
            if alpha == 1 { return 0.25 }
            let a = alpha
            // (32a^3 - 100a^2 + 104a - 36) c^4 + (8a^2 - 52a + 48) c^3 + (-4a^2 + 44a - 25) c^2 + 12c - 4, lowest order first.
            let quartic = [-4, 12, -4 * a * a + 44 * a - 25, 8 * a * a - 52 * a + 48, 32 * a * a * a - 100 * a * a + 104 * a - 36]
            let guess = try Polynomial.roots(quartic)
                .filter { abs($0.imaginary) <= 1e-9 && (0.25...(2.0 / 3)).contains($0.real) }.first?.real ?? 0.4
            // Negative at c = 1/4 (there alpha_c = 1 > alpha), positive at c = 2/3 (there alpha_c = 0 < alpha).
            return try RootRefinement.refine({ RootRefinement.evaluate(quartic, at: $0) }, guess: guess, bracket: 0.25...(2.0 / 3))
        case .readout:
            if alpha >= 0.5 { return 0 }
            let a = alpha
            // 64a c^3 + (-52a^2 + 8a - 4) c^2 + (32a^3 - 40a^2 + 20a) c - (1 - 2a)^2, lowest order first.
            let cubic = [-(1 - 2 * a) * (1 - 2 * a), 32 * a * a * a - 40 * a * a + 20 * a, -52 * a * a + 8 * a - 4, 64 * a]
            // Negative at c = 0; alpha_r^c ~ 1/(16c) puts the root near 1/(16a): double an upper end until positive.
            var upper = max(1, 1 / (8 * a))
            while RootRefinement.evaluate(cubic, at: upper).value <= 0 { upper *= 2 }
            let guess = try Polynomial.realCubicRoots(a3: cubic[3], a2: cubic[2], a1: cubic[1], a0: cubic[0])
                .first { $0 > 0 && $0 <= upper } ?? 0.5 * upper
            return try RootRefinement.refine({ RootRefinement.evaluate(cubic, at: $0) }, guess: guess, bracket: 0...upper)
        }
    }

    // MARK: - The boundary polynomials

    /// The hidden boundary cubic in alpha (lowest order first): the constant term Q(0) of the edge quartic
    /// (HiddenFlipSpectrum.edgePolynomial) with Delta = 1 - 2 alpha, divided by -c^2. The constant is kept factored,
    /// (3c - 2)^2 (4c^2 + 1)/c^2, so that alpha_h^c ~ (81/80)(2/3 - c)^2 keeps its digits near c = 2/3.
    public static func hiddenBoundaryCubic(c: Double) -> [Double] {
        [-(3 * c - 2) * (3 * c - 2) * (4 * c * c + 1) / (c * c), 104 * c * c - 52 * c + 44, -(100 * c * c - 8 * c + 4), 32 * c * c]
    }

    /// The readout boundary cubic R in alpha (lowest order first).
    public static func readoutBoundaryCubic(c: Double) -> [Double] {
        [-(4 * c * c + 1), 64 * c * c * c + 8 * c * c + 20 * c + 4, -(52 * c * c + 40 * c + 4), 32 * c]
    }

    /// R(alpha) and dR/dalpha grouped by powers of c, R = -(2a - 1)^2 + c(32a^3 - 40a^2 + 20a) + c^2(-52a^2 + 8a - 4) + 64c^3 a:
    /// as c -> 0 the double root at 1/2 splits by +-sqrt(c), and this form keeps that O(c) splitting exact.
    static func readoutBoundary(alpha a: Double, c: Double) -> (value: Double, slope: Double) {
        let value = -(2 * a - 1) * (2 * a - 1) + c * (32 * a * a * a - 40 * a * a + 20 * a)
            + c * c * (-52 * a * a + 8 * a - 4) + 64 * c * c * c * a
        let slope = -4 * (2 * a - 1) + c * (96 * a * a - 80 * a + 20) + c * c * (-104 * a + 8) + 64 * c * c * c
        return (value, slope)
    }
}
