import CLAPACKE

// Decompositions that return vectors as well as values (LAPACKE, row-major): a symmetric eigensystem,
// a thin SVD and a thin QR. Used to build orthonormal bases of subspaces (projectors, principal directions).

/// Eigenvalues and eigenvectors of a real symmetric matrix.
public struct SymmetricEigensystem: Sendable {
    /// Eigenvalues in ascending order (as `Eigen.symmetricEigenvalues`).
    public let values: [Double]
    /// Orthonormal eigenvectors as columns: column j belongs to `values[j]`.
    public let vectors: Matrix
}

public extension Eigen {
    /// Eigenvalues (ascending) and orthonormal eigenvectors of a real symmetric matrix, by LAPACK dsyevd
    /// (divide and conquer). Only the lower triangle is read.
    static func symmetricEigensystem(_ a: Matrix) throws -> SymmetricEigensystem {
        try validateSquareFinite(a)
        if a.rows == 0 { return SymmetricEigensystem(values: [], vectors: a) }
        var work = a
        let values = try dsyevd(&work, vectors: true)
        return SymmetricEigensystem(values: values, vectors: work)
    }
}

/// The thin singular value decomposition A = U diag(s) V^T of an m x n matrix, k = min(m, n).
public struct ThinSVD: Sendable {
    /// m x k, orthonormal columns (left singular vectors).
    public let u: Matrix
    /// The k singular values, descending and non-negative.
    public let singularValues: [Double]
    /// k x n, orthonormal rows (right singular vectors).
    public let vt: Matrix

    /// Decomposes `a` by LAPACK dgesdd (divide and conquer).
    public init(_ a: Matrix) throws {
        guard a.elements.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("matrix") }
        let (m, n) = (a.rows, a.columns)
        let k = min(m, n)
        var work = a
        var s = [Double](repeating: 0, count: k)
        var u = Matrix(rows: m, columns: k)
        var vt = Matrix(rows: k, columns: n)
        if k > 0 {
            let info = LAPACKE_dgesdd(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "S")), Int32(m), Int32(n), &work.elements,
                                      Int32(n), &s, &u.elements, Int32(k), &vt.elements, Int32(n))
            if info != 0 { throw NumericalError.lapackFailure(routine: "dgesdd", info: info) }
        }
        self.u = u
        self.singularValues = s
        self.vt = vt
    }

    /// Number of singular values above `relativeTolerance * max(m, n) * s_max` (LAPACK's default rank rule
    /// when the tolerance is machine epsilon).
    public func numericalRank(relativeTolerance: Double = Double.ulpOfOne) -> Int {
        guard let top = singularValues.first, top > 0 else { return 0 }
        let cutoff = relativeTolerance * Double(max(u.rows, vt.columns)) * top
        return singularValues.prefix { $0 > cutoff }.count
    }
}

public extension Matrix {
    /// The thin Q (m x n, orthonormal columns) of A = Q R, by LAPACK dgeqrf + dorgqr. Needs rows >= columns.
    /// span(Q) = span(A) when A has full column rank; otherwise Q still has orthonormal columns but R is singular.
    func thinQRFactorQ() throws -> Matrix {
        guard rows >= columns else {
            throw NumericalError.invalidArgument("a thin QR needs at least as many rows as columns, got \(rows)x\(columns)")
        }
        guard elements.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("matrix") }
        if columns == 0 { return self }
        var q = self
        var tau = [Double](repeating: 0, count: columns)
        var info = LAPACKE_dgeqrf(LAPACK_ROW_MAJOR, Int32(rows), Int32(columns), &q.elements, Int32(columns), &tau)
        if info != 0 { throw NumericalError.lapackFailure(routine: "dgeqrf", info: info) }
        info = LAPACKE_dorgqr(LAPACK_ROW_MAJOR, Int32(rows), Int32(columns), Int32(columns), &q.elements, Int32(columns), &tau)
        if info != 0 { throw NumericalError.lapackFailure(routine: "dorgqr", info: info) }
        return q
    }
}
