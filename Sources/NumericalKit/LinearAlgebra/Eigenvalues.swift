import CGSL
import CLAPACKE
import ComplexModule
import RealModule

/// Which library computes an eigendecomposition. GSL's Francis QR is unblocked and 7-20x slower than
/// LAPACK's at n >= 500 (../shared/reference/gsl-notes.md section 1.4); both are kept so each checks the other.
public enum EigenSolver: String, Sendable, CaseIterable {
    case gsl, lapack
    /// GSL below `automaticThreshold`, LAPACK from there on.
    case automatic

    public static let automaticThreshold = 100

    func resolved(for n: Int) -> EigenSolver {
        self == .automatic ? (n < Self.automaticThreshold ? .gsl : .lapack) : self
    }
}

public enum Eigen {
    /// Eigenvalues of a real symmetric matrix in ascending order. Only the lower triangle is read.
    public static func symmetricEigenvalues(_ a: Matrix, solver: EigenSolver = .automatic) throws -> [Double] {
        try validateSquareFinite(a)
        let n = a.rows
        if n == 0 { return [] }
        var work = a
        var values = [Double](repeating: 0, count: n)
        switch solver.resolved(for: n) {
        case .gsl:
            GSL.prepare()
            guard let ws = gsl_eigen_symm_alloc(n) else { throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_eigen_symm_alloc(\(n))") }
            defer { gsl_eigen_symm_free(ws) }
            guard let eval = gsl_vector_alloc(n) else { throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_vector_alloc(\(n))") }
            defer { gsl_vector_free(eval) }
            let status = work.withMutableGSLMatrix { gsl_eigen_symm($0, eval, ws) }
            try GSL.check(status, "gsl_eigen_symm (n = \(n))")
            for i in 0..<n { values[i] = gsl_vector_get(eval, i) }
        default:
            values = try dsyevd(&work, vectors: false)
        }
        values.sort()
        return values
    }

    /// Eigenvalues of a general real matrix, sorted by real part, then imaginary part (ascending).
    public static func eigenvalues(_ a: Matrix, solver: EigenSolver = .automatic) throws -> [Complex<Double>] {
        try validateSquareFinite(a)
        let n = a.rows
        if n == 0 { return [] }
        var work = a
        var values = [Complex<Double>]()
        values.reserveCapacity(n)
        switch solver.resolved(for: n) {
        case .gsl:
            GSL.prepare()
            guard let ws = gsl_eigen_nonsymm_alloc(n) else { throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_eigen_nonsymm_alloc(\(n))") }
            defer { gsl_eigen_nonsymm_free(ws) }
            gsl_eigen_nonsymm_params(0, 1, ws)  // no Schur vectors; balance, as LAPACK's dgeev does
            guard let eval = gsl_vector_complex_alloc(n) else { throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_vector_complex_alloc(\(n))") }
            defer { gsl_vector_complex_free(eval) }
            let status = work.withMutableGSLMatrix { gsl_eigen_nonsymm($0, eval, ws) }
            try GSL.check(status, "gsl_eigen_nonsymm (n = \(n))")
            let stride = eval.pointee.stride
            let data = eval.pointee.data!
            for i in 0..<n { values.append(Complex(data[2 * i * stride], data[2 * i * stride + 1])) }
        default:
            var wr = [Double](repeating: 0, count: n)
            var wi = [Double](repeating: 0, count: n)
            let no = Int8(UInt8(ascii: "N"))
            let info = LAPACKE_dgeev(LAPACK_ROW_MAJOR, no, no, Int32(n), &work.elements, Int32(n), &wr, &wi,
                                     nil, 1, nil, 1)
            if info != 0 { throw NumericalError.lapackFailure(routine: "dgeev", info: info) }
            for i in 0..<n { values.append(Complex(wr[i], wi[i])) }
        }
        values.sort { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
        return values
    }

    /// LAPACK dsyevd on the lower triangle of the square matrix `a`: the eigenvalues (ascending), and with
    /// `vectors` the eigenvectors as columns of `a`.
    static func dsyevd(_ a: inout Matrix, vectors: Bool) throws -> [Double] {
        let n = a.rows
        var values = [Double](repeating: 0, count: n)
        // Row-major 'L' is LAPACK's column-major 'U' of the transpose: the same lower triangle we promise to read.
        let info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: vectors ? "V" : "N")), Int8(UInt8(ascii: "L")),
                                  Int32(n), &a.elements, Int32(n), &values)
        if info != 0 { throw NumericalError.lapackFailure(routine: "dsyevd", info: info) }
        return values
    }

    static func validateSquareFinite(_ a: Matrix) throws {
        guard a.isSquare else { throw NumericalError.invalidArgument("eigenvalues need a square matrix, got \(a.rows)x\(a.columns)") }
        guard a.elements.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("matrix") }
    }
}
