// C bridge to GSL (linked against OpenBLAS for its CBLAS symbols).
// GSL's `GSL_VAR const T *x` globals import as mutable globals, which Swift 6 rejects;
// the static inline accessors below hand them out as plain function results instead.
#ifndef CURLDYNAMICS_CGSL_SHIM_H
#define CURLDYNAMICS_CGSL_SHIM_H

#include <gsl/gsl_errno.h>
#include <gsl/gsl_version.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_vector.h>
#include <gsl/gsl_matrix.h>
#include <gsl/gsl_blas.h>
#include <gsl/gsl_cblas.h>
#include <gsl/gsl_eigen.h>
#include <gsl/gsl_poly.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_odeiv2.h>

static inline const gsl_odeiv2_step_type *cgsl_step_rk2(void) { return gsl_odeiv2_step_rk2; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk4(void) { return gsl_odeiv2_step_rk4; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkf45(void) { return gsl_odeiv2_step_rkf45; }
static inline const gsl_odeiv2_step_type *cgsl_step_rkck(void) { return gsl_odeiv2_step_rkck; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk8pd(void) { return gsl_odeiv2_step_rk8pd; }
static inline const gsl_odeiv2_step_type *cgsl_step_msadams(void) { return gsl_odeiv2_step_msadams; }
static inline const gsl_odeiv2_step_type *cgsl_step_msbdf(void) { return gsl_odeiv2_step_msbdf; }
static inline const gsl_odeiv2_step_type *cgsl_step_bsimp(void) { return gsl_odeiv2_step_bsimp; }
static inline const gsl_odeiv2_step_type *cgsl_step_rk4imp(void) { return gsl_odeiv2_step_rk4imp; }

static inline const gsl_rng_type *cgsl_rng_mt19937(void) { return gsl_rng_mt19937; }

static inline const char *cgsl_version(void) { return gsl_version; }

// OpenBLAS thread control (declared in OpenBLAS's cblas.h, which clashes with gsl_cblas.h).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
// The kernel set OpenBLAS chose at load ("Haswell", "SkylakeX", ...; DYNAMIC_ARCH builds pick it from CPUID or
// OPENBLAS_CORETYPE) and its build configuration ("OpenBLAS 0.3.21 DYNAMIC_ARCH ... MAX_THREADS=64").
char *openblas_get_corename(void);
char *openblas_get_config(void);

#endif
