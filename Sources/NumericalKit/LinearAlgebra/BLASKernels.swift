import CGSL

/// Pointer-level BLAS kernels on row-major storage, for hot loops (vector fields) that must not allocate.
/// Dimensions are counts of rows and columns; leading dimensions equal the column count.
public enum BLAS {
    /// y = alpha * op(A) x + beta * y for an m x n row-major A.
    @inline(__always)
    public static func gemv(transpose: Bool = false, rows m: Int, columns n: Int, alpha: Double, _ a: UnsafePointer<Double>,
                            _ x: UnsafePointer<Double>, beta: Double, _ y: UnsafeMutablePointer<Double>) {
        cblas_dgemv(CblasRowMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(n), x, 1, beta, y, 1)
    }

    /// A += alpha * x y^T for an m x n row-major A.
    @inline(__always)
    public static func ger(rows m: Int, columns n: Int, alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>,
                           _ a: UnsafeMutablePointer<Double>) {
        cblas_dger(CblasRowMajor, Int32(m), Int32(n), alpha, x, 1, y, 1, a, Int32(n))
    }
}

extension BLAS {
    /// C = alpha * op(A) op(B) + beta * C on row-major storage; op(A) is m x k, op(B) is k x n, C is m x n.
    @inline(__always)
    public static func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int, alpha: Double,
                            _ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, beta: Double, _ c: UnsafeMutablePointer<Double>) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(transposeA ? m : k), b, Int32(transposeB ? k : n),
                    beta, c, Int32(n))
    }
}
