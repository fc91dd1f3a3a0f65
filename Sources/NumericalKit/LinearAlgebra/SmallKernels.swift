import CSmallKernels

/// Fused kernels for products too small for BLAS (a call to OpenBLAS's dgemm costs more than a 10 x 100 by
/// 100 x 10 product) and a vectorised tanh, on row-major storage (C target CSmallKernels).
///
/// They read the rows of X through an index list, so a shuffled minibatch needs no copy. Each is compiled for
/// AVX-512, AVX2 + FMA and baseline x86-64 and picks the best at load. Sums run in a fixed order (eight lanes,
/// then a fixed tree), so the numbers do not depend on thread counts; they differ from BLAS's in the last bits.
public enum SmallKernels {
    /// out[p, i] = sum_j x[r_p, j] w[i, j] (p < count, i < n, j < k) with r_p = rows[p], or p without rows:
    /// X_b W^T for an n x k W and the gathered rows (k columns each) of X.
    @inline(__always)
    public static func gatherGemmNT(count: Int, n: Int, k: Int, _ x: UnsafePointer<Double>, rows: UnsafePointer<Int>?,
                                    _ w: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        ck_gather_gemm_nt(count, n, k, x, rows, w, out)
    }

    /// out[i, j] = alpha sum_p d[p, i] x[r_p, j] (i < n, j < k), summed over p < count in order: alpha D^T X_b
    /// for a count x n D and the gathered rows of X (r_p as in `gatherGemmNT`).
    @inline(__always)
    public static func gatherGemmTN(count: Int, n: Int, k: Int, alpha: Double, _ d: UnsafePointer<Double>, _ x: UnsafePointer<Double>,
                                    rows: UnsafePointer<Int>?, into out: UnsafeMutablePointer<Double>) {
        ck_gather_gemm_tn(count, n, k, alpha, d, x, rows, out)
    }

    /// value[i] = tanh(x[i]), derivative[i] = 1 - value[i]^2 (unless nil) for i < count; `value` may be `x`. Within 1.5 ulp of
    /// the exact tanh (Foundation's, glibc's, is within 2.2; the two differ by at most 4e-16 relative).
    @inline(__always)
    public static func tanhWithDerivative(count: Int, _ x: UnsafeMutablePointer<Double>, value: UnsafeMutablePointer<Double>,
                                          derivative: UnsafeMutablePointer<Double>?) {
        ck_tanh_derivative(count, x, value, derivative)
    }

    /// The instruction set the kernels run with on this CPU: avx512, avx2 or baseline.
    public static var instructionSet: String { String(cString: ck_instruction_set()) }
}
