import CGSL
import ComplexModule
import RealModule

/// Polynomial roots through GSL. Coefficients are given lowest order first, as GSL takes them
/// (the opposite of numpy's `roots`): `[a0, a1, a2]` is a0 + a1 x + a2 x^2.
public enum Polynomial {
    /// All complex roots, sorted by real part, then imaginary part.
    ///
    /// Zero highest-order coefficients are trimmed first (so `[2, -3, 1, 0]` is the quadratic
    /// x^2 - 3x + 2) unless `trimZeroLeading` is false, in which case GSL rejects them with an error.
    public static func roots(_ coefficients: [Double], trimZeroLeading: Bool = true) throws -> [Complex<Double>] {
        guard coefficients.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("polynomial coefficients") }
        var a = coefficients
        if trimZeroLeading { while let last = a.last, last == 0 { a.removeLast() } }
        guard !a.isEmpty else { throw NumericalError.invalidArgument("the zero polynomial has no well-defined roots") }
        // GSL rejects a zero leading coefficient itself, but the degree 0 and 1 shortcuts below never reach it.
        if a.last == 0 { throw GSLError(status: Int32(GSL_EINVAL), context: "polynomial roots: the leading coefficient is zero") }
        if a.count == 1 { return [] }
        if a.count == 2 { return [Complex(-a[0] / a[1], 0)] }  // GSL's solver wants degree >= 2
        GSL.prepare()
        let n = a.count
        guard let ws = gsl_poly_complex_workspace_alloc(n) else {
            throw GSLError(status: Int32(GSL_EINVAL), context: "gsl_poly_complex_workspace_alloc(\(n))")
        }
        defer { gsl_poly_complex_workspace_free(ws) }
        var packed = [Double](repeating: 0, count: 2 * (n - 1))
        let status = gsl_poly_complex_solve(a, n, ws, &packed)
        try GSL.check(status, "gsl_poly_complex_solve (degree \(n - 1))")
        var roots = (0..<(n - 1)).map { Complex(packed[2 * $0], packed[2 * $0 + 1]) }
        roots.sort { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
        return roots
    }

    /// Real roots of a3 x^3 + a2 x^2 + a1 x + a0 in ascending order (`gsl_poly_solve_cubic`, after dividing
    /// by a3). Falls back to the quadratic or linear formula when leading coefficients vanish.
    /// A double root is reported twice, as GSL does.
    public static func realCubicRoots(a3: Double, a2: Double, a1: Double, a0: Double) throws -> [Double] {
        guard [a3, a2, a1, a0].allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("cubic coefficients") }
        GSL.prepare()
        if a3 != 0 {
            var x0 = 0.0, x1 = 0.0, x2 = 0.0
            let count = gsl_poly_solve_cubic(a2 / a3, a1 / a3, a0 / a3, &x0, &x1, &x2)
            return Array([x0, x1, x2].prefix(Int(count)))
        }
        if a2 != 0 {
            var x0 = 0.0, x1 = 0.0
            let count = gsl_poly_solve_quadratic(a2, a1, a0, &x0, &x1)
            return Array([x0, x1].prefix(Int(count)))
        }
        if a1 != 0 { return [-a0 / a1] }
        throw NumericalError.invalidArgument("a constant polynomial has no isolated roots")
    }
}
