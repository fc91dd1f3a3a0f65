// C bridge to LAPACKE (OpenBLAS provides the LAPACK underneath on Debian).
#ifndef CURLDYNAMICS_CLAPACKE_SHIM_H
#define CURLDYNAMICS_CLAPACKE_SHIM_H
#include <lapacke.h>
#endif
