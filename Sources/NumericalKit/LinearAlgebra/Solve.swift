import CLAPACKE

public extension Matrix {
    /// Solves A x = b for a symmetric positive definite A (this matrix) by Cholesky (LAPACK dposv).
    /// Throws when A is not positive definite.
    func solvePositiveDefinite(_ b: [Double]) throws -> [Double] {
        guard isSquare, b.count == rows else {
            throw NumericalError.invalidArgument("need a square matrix and a right-hand side of length \(rows), got \(rows)x\(columns) and \(b.count)")
        }
        guard elements.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("linear system") }
        if rows == 0 { return [] }
        var a = elements
        var x = b
        let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, Int8(UInt8(ascii: "L")), Int32(rows), 1, &a, Int32(rows), &x, 1)
        if info > 0 { throw NumericalError.invalidArgument("the matrix is not positive definite (leading minor \(info) is not positive)") }
        if info < 0 { throw NumericalError.lapackFailure(routine: "dposv", info: info) }
        return x
    }
}
