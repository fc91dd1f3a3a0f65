// Small dense kernels for the minibatch hot loop, where a BLAS call costs more than its arithmetic
// (10 x 100 by 100 x 10 products) and libm's scalar tanh dominates. Row-major storage throughout.
//
// Every kernel is compiled for AVX-512, for AVX2 + FMA and for baseline x86-64 and picks the best at load
// (GCC/Clang function multi-versioning), so the right instructions run on every CPU without flags. The
// summation order is fixed by the code (eight lanes, then a fixed tree), not by the instruction set or the
// thread count; only the fusing of a multiply and an add into one FMA differs between instruction sets,
// which moves the last bit, as OpenBLAS's own kernels do.
#ifndef CURLDYNAMICS_SMALL_KERNELS_H
#define CURLDYNAMICS_SMALL_KERNELS_H

#include <stddef.h>

/// out[p * n + i] = sum_j x[r_p * k + j] * w[i * k + j] for p < count, i < n, j < k, where r_p = rows[p]
/// (or p when rows is NULL): the product X_b W^T of the gathered rows of X (k columns) with an n x k W.
void ck_gather_gemm_nt(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, const double *x, const ptrdiff_t *rows,
                       const double *w, double *out);

/// out[i * k + j] = alpha * sum_p d[p * n + i] * x[r_p * k + j] for i < n, j < k, summed over p < count in order,
/// r_p as above: the product alpha D^T X_b of a count x n D with the gathered rows of X.
void ck_gather_gemm_tn(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, double alpha, const double *d, const double *x,
                       const ptrdiff_t *rows, double *out);

/// value[i] = tanh(x[i]) and derivative[i] = 1 - tanh(x[i])^2 for i < count (x may alias value; derivative may be NULL).
/// Cephes' rational form below |x| = 0.625, 1 - 2 / (exp(2|x|) + 1) above: within 3 ulp of the exact tanh.
void ck_tanh_derivative(ptrdiff_t count, double *x, double *value, double *derivative);

/// A name for the instruction set the kernels run with on this CPU ("avx512", "avx2", "baseline").
const char *ck_instruction_set(void);

#endif
