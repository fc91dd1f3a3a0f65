import CGSL

/// Matrix products through CBLAS (OpenBLAS at run time).
public extension Matrix {
    /// C = alpha * op(A) * op(B) + beta * C, the BLAS dgemm contract.
    static func gemm(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        alpha: Double = 1, beta: Double = 0, into c: inout Matrix
    ) {
        let m = transposeA ? a.columns : a.rows
        let k = transposeA ? a.rows : a.columns
        let kb = transposeB ? b.columns : b.rows
        let n = transposeB ? b.rows : b.columns
        precondition(k == kb, "inner dimensions differ: \(k) vs \(kb)")
        precondition(c.rows == m && c.columns == n, "result must be \(m)x\(n)")
        guard m > 0, n > 0 else { return }
        if k == 0 { for i in c.elements.indices { c.elements[i] *= beta }; return }
        c.elements.withUnsafeMutableBufferPointer { cp in
            cblas_dgemm(
                CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a.elements, Int32(a.columns),
                b.elements, Int32(b.columns), beta, cp.baseAddress, Int32(n))
        }
    }

    /// The matrix product A * B.
    static func * (a: Matrix, b: Matrix) -> Matrix {
        var c = Matrix(rows: a.rows, columns: b.columns)
        gemm(a, b, into: &c)
        return c
    }

    /// The matrix-vector product A * x.
    static func * (a: Matrix, x: [Double]) -> [Double] {
        precondition(a.columns == x.count, "dimension mismatch: \(a.columns) vs \(x.count)")
        var y = [Double](repeating: 0, count: a.rows)
        guard a.rows > 0, a.columns > 0 else { return y }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(a.rows), Int32(a.columns), 1, a.elements, Int32(a.columns),
                    x, 1, 0, &y, 1)
        return y
    }

    /// The Gram matrix A^T A (symmetric), through BLAS dsyrk.
    var gram: Matrix {
        var g = Matrix(rows: columns, columns: columns)
        guard rows > 0, columns > 0 else { return g }
        g.elements.withUnsafeMutableBufferPointer { gp in
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(rows), 1, elements,
                        Int32(columns), 0, gp.baseAddress, Int32(columns))
        }
        for i in 0..<columns { for j in 0..<i { g[i, j] = g[j, i] } }
        return g
    }
}
