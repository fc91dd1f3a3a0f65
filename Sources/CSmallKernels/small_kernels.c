// See include/small_kernels.h. Eight-lane vectors (GCC/Clang vector extensions) fix the summation order; each
// multi-versioned function is compiled once per instruction set (one zmm, two ymm or four xmm registers per vector).
#include "small_kernels.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define CK_MULTIVERSION __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define CK_MULTIVERSION
#endif

typedef double v8d __attribute__((vector_size(64), aligned(8)));
typedef int64_t v8l __attribute__((vector_size(64), aligned(8)));
typedef double v4d __attribute__((vector_size(32)));
typedef double v2d __attribute__((vector_size(16)));

// Macros rather than functions: a function taking or returning a 512-bit vector would change the ABI in the
// clones compiled without AVX-512.
#define LOAD8(p) (*(const v8d *)(p))
#define STORE8(p, v) (*(v8d *)(p) = (v))
#define SPLAT(s) ({ double s_ = (s); (v8d){s_, s_, s_, s_, s_, s_, s_, s_}; })
/// The lanes' sum in a fixed tree: ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)).
#define SUM8(v) ({ \
    v8d v_ = (v); \
    v4d h_ = __builtin_shufflevector(v_, v_, 0, 1, 2, 3) + __builtin_shufflevector(v_, v_, 4, 5, 6, 7); \
    v2d q_ = __builtin_shufflevector(h_, h_, 0, 1) + __builtin_shufflevector(h_, h_, 2, 3); \
    q_[0] + q_[1]; })
/// Lane-wise a where the mask (a comparison's all-ones or all-zeros lanes) is set, else b.
#define SELECT8(mask, a, b) ((v8d)(((v8l)(a) & (v8l)(mask)) | ((v8l)(b) & ~(v8l)(mask))))

/// Rows p0 .. p0 + P - 1 (pointers xr) times W's rows i0 .. i0 + I - 1 (from w): P x I dot products of length k, each
/// summed in eight lanes over j < k8, then SUM8, then the tail j >= k8 in order. P, I are constants after inlining.
static inline __attribute__((always_inline)) void nt_block(const int P, const int I, ptrdiff_t k, ptrdiff_t k8,
                                                           const double *const *xr, const double *w, ptrdiff_t n, double *o) {
    v8d acc[2][4];
    for (int a = 0; a < P; a++)
        for (int b = 0; b < I; b++) acc[a][b] = SPLAT(0);
    for (ptrdiff_t j = 0; j < k8; j += 8) {
        v8d xv[2];
        for (int a = 0; a < P; a++) xv[a] = LOAD8(xr[a] + j);
        for (int b = 0; b < I; b++) {
            v8d wv = LOAD8(w + b * k + j);
            for (int a = 0; a < P; a++) acc[a][b] += xv[a] * wv;
        }
    }
    for (int a = 0; a < P; a++)
        for (int b = 0; b < I; b++) {
            double s = SUM8(acc[a][b]);
            for (ptrdiff_t j = k8; j < k; j++) s += xr[a][j] * w[b * k + j];
            o[a * n + b] = s;
        }
}

/// nt_block over all of W's rows: blocks of 4, then the remaining 1 to 3.
static inline __attribute__((always_inline)) void nt_rows(const int P, ptrdiff_t n, ptrdiff_t k, ptrdiff_t k8,
                                                          const double *const *xr, const double *w, double *o) {
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) nt_block(P, 4, k, k8, xr, w + i * k, n, o + i);
    switch (n - i) {
    case 3: nt_block(P, 3, k, k8, xr, w + i * k, n, o + i); break;
    case 2: nt_block(P, 2, k, k8, xr, w + i * k, n, o + i); break;
    case 1: nt_block(P, 1, k, k8, xr, w + i * k, n, o + i); break;
    default: break;
    }
}

CK_MULTIVERSION
void ck_gather_gemm_nt(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, const double *x, const ptrdiff_t *rows,
                       const double *w, double *out) {
    const ptrdiff_t k8 = k - k % 8;
    ptrdiff_t p = 0;
    for (; p + 2 <= count; p += 2) {
        const double *xr[2] = {x + (rows ? rows[p] : p) * k, x + (rows ? rows[p + 1] : p + 1) * k};
        nt_rows(2, n, k, k8, xr, w, out + p * n);
    }
    if (p < count) {
        const double *xr[1] = {x + (rows ? rows[p] : p) * k};
        nt_rows(1, n, k, k8, xr, w, out + p * n);
    }
}

/// out[i0 + b, j0 + 8c + l] for b < I, c < J, l < 8: alpha sum_p d[p, i0 + b] x[r_p, j0 + 8c + l], p in order.
static inline __attribute__((always_inline)) void tn_block(const int I, const int J, ptrdiff_t count, ptrdiff_t n, ptrdiff_t k,
                                                           double alpha, const double *d, const double *x, const ptrdiff_t *rows,
                                                           ptrdiff_t i0, ptrdiff_t j0, double *out) {
    v8d acc[4][2];
    for (int b = 0; b < I; b++)
        for (int c = 0; c < J; c++) acc[b][c] = SPLAT(0);
    for (ptrdiff_t p = 0; p < count; p++) {
        const double *xr = x + (rows ? rows[p] : p) * k + j0;
        v8d xv[2];
        for (int c = 0; c < J; c++) xv[c] = LOAD8(xr + 8 * c);
        const double *dp = d + p * n + i0;
        for (int b = 0; b < I; b++) {
            v8d db = SPLAT(dp[b]);
            for (int c = 0; c < J; c++) acc[b][c] += db * xv[c];
        }
    }
    for (int b = 0; b < I; b++)
        for (int c = 0; c < J; c++) STORE8(out + (i0 + b) * k + j0 + 8 * c, SPLAT(alpha) * acc[b][c]);
}

/// tn_block over all of out's rows: blocks of 4, then the remaining 1 to 3.
static inline __attribute__((always_inline)) void tn_rows(const int J, ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, double alpha,
                                                          const double *d, const double *x, const ptrdiff_t *rows, ptrdiff_t j0,
                                                          double *out) {
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) tn_block(4, J, count, n, k, alpha, d, x, rows, i, j0, out);
    switch (n - i) {
    case 3: tn_block(3, J, count, n, k, alpha, d, x, rows, i, j0, out); break;
    case 2: tn_block(2, J, count, n, k, alpha, d, x, rows, i, j0, out); break;
    case 1: tn_block(1, J, count, n, k, alpha, d, x, rows, i, j0, out); break;
    default: break;
    }
}

CK_MULTIVERSION
void ck_gather_gemm_tn(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, double alpha, const double *d, const double *x,
                       const ptrdiff_t *rows, double *out) {
    const ptrdiff_t k8 = k - k % 8;
    ptrdiff_t j = 0;
    for (; j + 16 <= k8; j += 16) tn_rows(2, count, n, k, alpha, d, x, rows, j, out);
    if (j < k8) tn_rows(1, count, n, k, alpha, d, x, rows, j, out);
    // The last k % 8 columns: eight rows i at a time (d's rows are contiguous in i), p in order.
    for (j = k8; j < k; j++) {
        ptrdiff_t i = 0;
        for (; i + 8 <= n; i += 8) {
            v8d acc = SPLAT(0);
            for (ptrdiff_t p = 0; p < count; p++) acc += LOAD8(d + p * n + i) * SPLAT(x[(rows ? rows[p] : p) * k + j]);
            double v[8];
            STORE8(v, acc);
            for (int l = 0; l < 8; l++) out[(i + l) * k + j] = alpha * v[l];
        }
        for (; i < n; i++) {
            double s = 0;
            for (ptrdiff_t p = 0; p < count; p++) s += d[p * n + i] * x[(rows ? rows[p] : p) * k + j];
            out[i * k + j] = alpha * s;
        }
    }
}

/// tanh and 1 - tanh^2 of eight values.
static inline __attribute__((always_inline)) void tanh8(const double *in, double *value, double *derivative) {  // derivative may be NULL
    v8d x = LOAD8(in);
    const v8l signBit = (v8l)SPLAT(-0.0);
    v8d a = (v8d)((v8l)x & ~signBit);
    // |x| < 0.625: Cephes tanh.c, a + a z P(z) / Q(z), z = a^2 (relative error 2.5e-16 in Cephes' tests).
    v8d z = a * a;
    v8d pz = (SPLAT(-9.64399179425052238628e-1) * z + SPLAT(-9.92877231001918586564e1)) * z + SPLAT(-1.61468768441708447952e3);
    v8d qz = ((z + SPLAT(1.12811678491632931402e2)) * z + SPLAT(2.23548839060100448583e3)) * z + SPLAT(4.84406305325125486048e3);
    v8d small = a + a * (z * pz / qz);
    // |x| >= 0.625: 1 - 2 / (exp(2|x|) + 1), exp by Cephes exp.c (n ln 2 split in two, rational form for exp(r),
    // |r| <= ln 2 / 2). Beyond |x| = 20 the result rounds to 1, so 2|x| is capped at 40 (no overflow).
    v8d y = a + a;
    y = SELECT8((v8l)(y < SPLAT(40.0)), y, SPLAT(40.0));
    const double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
    v8d t = y * SPLAT(1.4426950408889634073599) + SPLAT(shifter);
    v8d nf = t - SPLAT(shifter);
    v8d r = (y - nf * SPLAT(6.93145751953125e-1)) - nf * SPLAT(1.42860682030941723212e-6);
    v8d rr = r * r;
    v8d px = r * ((SPLAT(1.26177193074810590878e-4) * rr + SPLAT(3.02994407707441961300e-2)) * rr + SPLAT(9.99999999999999999910e-1));
    v8d qx = ((SPLAT(3.00198505138664455042e-6) * rr + SPLAT(2.52448340349684104192e-3)) * rr + SPLAT(2.27265548208155028766e-1)) * rr
             + SPLAT(2.00000000000000000009e0);
    v8d er = SPLAT(1.0) + SPLAT(2.0) * (px / (qx - px));
    v8l n = (v8l)t - (v8l)SPLAT(shifter);
    v8d e = er * (v8d)((n + 1023) << 52);
    v8d large = SPLAT(1.0) - SPLAT(2.0) / (e + SPLAT(1.0));
    v8d m = SELECT8((v8l)(a < SPLAT(0.625)), small, large);
    v8d tv = (v8d)((v8l)m | ((v8l)x & signBit));
    tv = SELECT8((v8l)(x == x), tv, x);  // NaN stays NaN
    STORE8(value, tv);
    if (derivative) STORE8(derivative, SPLAT(1.0) - tv * tv);
}

CK_MULTIVERSION
void ck_tanh_derivative(ptrdiff_t count, double *x, double *value, double *derivative) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) tanh8(x + i, value + i, derivative ? derivative + i : NULL);
    if (i < count) {
        double in[8] = {0}, v[8], dv[8];
        for (ptrdiff_t l = 0; l < count - i; l++) in[l] = x[i + l];
        tanh8(in, v, dv);
        for (ptrdiff_t l = 0; l < count - i; l++) {
            value[i + l] = v[l];
            if (derivative) derivative[i + l] = dv[l];
        }
    }
}

const char *ck_instruction_set(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("x86-64-v4")) return "avx512";
    if (__builtin_cpu_supports("x86-64-v3")) return "avx2";
    return "baseline";
#else
    return "portable";
#endif
}
