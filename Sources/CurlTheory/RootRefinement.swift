/// Root polishing for the closed forms: GSL's cubic and companion-matrix solvers give good starting points,
/// but lose digits on near-double roots (alpha_r as c -> 0) and on roots much smaller than the others
/// (alpha_r ~ 1/(16c) as c -> infinity). A safeguarded Newton iteration inside a sign-change bracket restores them.
enum RootRefinement {
    /// p(x) and p'(x) by Horner's rule; coefficients lowest order first, as NumericalKit's `Polynomial` takes them.
    static func evaluate(_ coefficients: [Double], at x: Double) -> (value: Double, slope: Double) {
        var value = 0.0, slope = 0.0
        for a in coefficients.reversed() {
            slope = slope * x + value
            value = value * x + a
        }
        return (value, slope)
    }

    /// The root of `f` in [lo, hi], refined from `guess` by Newton steps that fall back to bisection whenever they
    /// leave the bracket or stop shrinking it fast enough (rtsafe). Returns to within a few ulps.
    ///
    /// Callers pass brackets whose end values have opposite signs analytically. If rounding hides the sign change,
    /// the root is within rounding of an end (e.g. alpha_h^c -> 1 as c -> 1/4): the end with the smaller |f| is returned.
    static func refine(_ f: (Double) -> (value: Double, slope: Double), guess: Double,
                       bracket: ClosedRange<Double>) throws -> Double {
        var lo = bracket.lowerBound, hi = bracket.upperBound
        let fLo = f(lo).value, fHi = f(hi).value
        guard fLo.isFinite, fHi.isFinite else {
            throw CurlTheoryError.numericalFailure("the boundary polynomial overflows on [\(lo), \(hi)]")
        }
        if fLo == 0 { return lo }
        if fHi == 0 { return hi }
        if (fLo < 0) == (fHi < 0) { return abs(fLo) <= abs(fHi) ? lo : hi }
        let loIsNegative = fLo < 0
        var x = guess.isFinite ? min(max(guess, lo), hi) : 0.5 * (lo + hi)
        var previousStep = hi - lo
        for _ in 0..<200 {
            let (fx, dfx) = f(x)
            if fx == 0 { return x }
            if (fx < 0) == loIsNegative { lo = x } else { hi = x }
            var next = x - fx / dfx
            if !(next > lo && next < hi) || abs(next - x) > 0.5 * previousStep {
                next = 0.5 * (lo + hi)  // Newton left the bracket (or is NaN) or converges too slowly: bisect
            }
            previousStep = abs(next - x)
            let tolerance = 4 * max(abs(next), Double.leastNormalMagnitude).ulp
            if previousStep <= tolerance || hi - lo <= tolerance { return next }
            x = next
        }
        return x
    }
}
