import CLAPACKE

public extension Matrix {
    /// Whether the symmetric matrix A - shift I is positive definite, i.e. lambda_min(A) > shift, decided by LAPACK's
    /// Cholesky factorisation dpotrf: it succeeds exactly when every leading minor is positive. That is a certificate
    /// (the computed factor is exact for a matrix within a few n eps |A| of A - shift I) at n^3/3 flops, a tenth of
    /// the cost of the eigenvalues (tridiagonal reduction, 4n^3/3 flops half of them memory-bound). Reads the lower
    /// triangle.
    func isPositiveDefinite(shift: Double = 0) throws -> Bool {
        guard isSquare else { throw NumericalError.invalidArgument("need a square matrix, got \(rows)x\(columns)") }
        guard elements.allSatisfy(\.isFinite), shift.isFinite else { throw NumericalError.nonFiniteInput("matrix") }
        if rows == 0 { return true }
        var a = elements
        if shift != 0 { for i in 0..<rows { a[i * columns + i] -= shift } }
        let info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(rows), &a, Int32(rows))
        if info < 0 { throw NumericalError.lapackFailure(routine: "dpotrf", info: info) }
        return info == 0
    }

    /// A^T D A for D = diag(rowSigns) with entries +-1 (symmetric, columns x columns): the Gram matrices of the
    /// rows with sign +1 and with sign -1, each by BLAS dsyrk, subtracted. columns^2 rows flops, half a dgemm's.
    func signedGram(rowSigns: [Double]) -> Matrix {
        precondition(rowSigns.count == rows && rowSigns.allSatisfy { $0 == 1 || $0 == -1 }, "row signs must be +-1, one per row")
        let rowsOf = { (sign: Double) in
            Matrix(rows: rowSigns.count { $0 == sign }, columns: columns,
                   elements: (0..<rows).filter { rowSigns[$0] == sign }.flatMap { self.row($0) })
        }
        var g = rowsOf(1).gram
        if rowSigns.contains(-1) {
            let negative = rowsOf(-1).gram
            for i in g.elements.indices { g.elements[i] -= negative.elements[i] }
        }
        return g
    }
}
