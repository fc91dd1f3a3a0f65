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

CK_MULTIVERSION
void ck_gather_gemm_nt(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, const double *x, const ptrdiff_t *rows,
                       const double *w, double *out) {
    const ptrdiff_t k8 = k - k % 8;
    for (ptrdiff_t p = 0; p < count; p++) {
        const double *xr = x + (rows ? rows[p] : p) * k;
        double *o = out + p * n;
        ptrdiff_t i = 0;
        for (; i + 4 <= n; i += 4) {
            const double *w0 = w + i * k, *w1 = w0 + k, *w2 = w1 + k, *w3 = w2 + k;
            v8d a0 = SPLAT(0), a1 = SPLAT(0), a2 = SPLAT(0), a3 = SPLAT(0);
            for (ptrdiff_t j = 0; j < k8; j += 8) {
                v8d xv = LOAD8(xr + j);
                a0 += xv * LOAD8(w0 + j);
                a1 += xv * LOAD8(w1 + j);
                a2 += xv * LOAD8(w2 + j);
                a3 += xv * LOAD8(w3 + j);
            }
            double s0 = SUM8(a0), s1 = SUM8(a1), s2 = SUM8(a2), s3 = SUM8(a3);
            for (ptrdiff_t j = k8; j < k; j++) {
                s0 += xr[j] * w0[j];
                s1 += xr[j] * w1[j];
                s2 += xr[j] * w2[j];
                s3 += xr[j] * w3[j];
            }
            o[i] = s0, o[i + 1] = s1, o[i + 2] = s2, o[i + 3] = s3;
        }
        for (; i < n; i++) {
            const double *w0 = w + i * k;
            v8d a0 = SPLAT(0);
            for (ptrdiff_t j = 0; j < k8; j += 8) a0 += LOAD8(xr + j) * LOAD8(w0 + j);
            double s0 = SUM8(a0);
            for (ptrdiff_t j = k8; j < k; j++) s0 += xr[j] * w0[j];
            o[i] = s0;
        }
    }
}

CK_MULTIVERSION
void ck_gather_gemm_tn(ptrdiff_t count, ptrdiff_t n, ptrdiff_t k, double alpha, const double *d, const double *x,
                       const ptrdiff_t *rows, double *out) {
    const ptrdiff_t k8 = k - k % 8;
    const v8d scale = SPLAT(alpha);
    for (ptrdiff_t j = 0; j < k8; j += 8) {
        ptrdiff_t i = 0;
        for (; i + 4 <= n; i += 4) {
            v8d a0 = SPLAT(0), a1 = SPLAT(0), a2 = SPLAT(0), a3 = SPLAT(0);
            for (ptrdiff_t p = 0; p < count; p++) {
                v8d xv = LOAD8(x + (rows ? rows[p] : p) * k + j);
                const double *dp = d + p * n + i;
                a0 += SPLAT(dp[0]) * xv;
                a1 += SPLAT(dp[1]) * xv;
                a2 += SPLAT(dp[2]) * xv;
                a3 += SPLAT(dp[3]) * xv;
            }
            STORE8(out + i * k + j, scale * a0);
            STORE8(out + (i + 1) * k + j, scale * a1);
            STORE8(out + (i + 2) * k + j, scale * a2);
            STORE8(out + (i + 3) * k + j, scale * a3);
        }
        for (; i < n; i++) {
            v8d a0 = SPLAT(0);
            for (ptrdiff_t p = 0; p < count; p++) a0 += SPLAT(d[p * n + i]) * LOAD8(x + (rows ? rows[p] : p) * k + j);
            STORE8(out + i * k + j, scale * a0);
        }
    }
    for (ptrdiff_t j = k8; j < k; j++) {
        for (ptrdiff_t i = 0; i < n; i++) {
            double s = 0;
            for (ptrdiff_t p = 0; p < count; p++) s += d[p * n + i] * x[(rows ? rows[p] : p) * k + j];
            out[i * k + j] = alpha * s;
        }
    }
}

/// tanh and 1 - tanh^2 of eight values.
static inline __attribute__((always_inline)) void tanh8(const double *in, double *value, double *derivative) {
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
    STORE8(derivative, SPLAT(1.0) - tv * tv);
}

CK_MULTIVERSION
void ck_tanh_derivative(ptrdiff_t count, double *x, double *value, double *derivative) {
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) tanh8(x + i, value + i, derivative + i);
    if (i < count) {
        double in[8] = {0}, v[8], dv[8];
        for (ptrdiff_t l = 0; l < count - i; l++) in[l] = x[i + l];
        tanh8(in, v, dv);
        for (ptrdiff_t l = 0; l < count - i; l++) value[i + l] = v[l], derivative[i + l] = dv[l];
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
