import CGSL

/// BLAS thread control for OpenBLAS, which GSL's CBLAS and LAPACKE calls resolve to.
///
/// Results must not depend on the thread count: a multi-threaded OpenBLAS call splits its sums differently
/// and changes the last bits (up to 1.8e-13 relative, measured on finite-data `integrate`). So the science
/// computations run BLAS and LAPACK on one thread, always, and get their parallelism from `parallelMap`
/// over cells and seeds. Only a benchmark may set another count.
public enum BLASThreads {
    /// Number of threads OpenBLAS uses for one call. At load OpenBLAS takes it from OPENBLAS_NUM_THREADS,
    /// else GOTO_NUM_THREADS, else OMP_NUM_THREADS, else the number of cores.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count for the whole process (for benchmarks; science code calls `pinToOne`).
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// Makes every later BLAS/LAPACK call run on one thread, whatever OPENBLAS_NUM_THREADS, GOTO_NUM_THREADS
    /// or OMP_NUM_THREADS say, so that the numbers are bit-identical for any environment (and one thread is
    /// also faster for the small matrix-vector work of the flows, and leaves the cores to `parallelMap`).
    public static func pinToOne() { set(1) }
}
