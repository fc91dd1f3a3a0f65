import NumericalKit

/// The training set as the full-batch gradient of a *linear* network sees it.
///
/// With u = W2 W1 (1 x M) the per-sample error is e_p = u x_p - y_p, so the full-batch error signal is
///
///     g = (1/P) sum_p e_p x_p = u C - b,      C = X^T X / P (M x M, symmetric),  b = X^T y / P (M),
///
/// and the data enter only through C and b: g costs O(M^2) whatever P.
///
/// Round-off: u C and b are O(|u|) while g vanishes on the solution manifold, so g carries an absolute error of
/// order eps |u| |C|. The per-sample path has an error of the same order in each e_p (eps |W2| |W1 x_p|, at least
/// eps |u x_p|), and u itself carries eps sum_i |W2_i W1_ij|, so the loss floor near the manifold (1e-30 and below
/// in the figures) is the same; `LinearStructureTests` checks it. The *loss* is another matter: 1/2 (u C u^T -
/// 2 u b + y.y/P) would cancel to an absolute error eps |y|^2, far above such floors, so logged losses stay
/// per-sample sums.
struct LinearSufficientStatistics: Sendable {
    let inputs: Int
    /// C = X^T X / P, row-major.
    let covariance: [Double]
    /// b = X^T y / P.
    let correlation: [Double]

    init(_ train: Dataset) {
        let (p, m) = (train.count, train.inputs.columns)
        inputs = m
        var c = [Double](repeating: 0, count: m * m), b = [Double](repeating: 0, count: m)
        train.inputs.elements.withUnsafeBufferPointer { x in
            c.withUnsafeMutableBufferPointer {
                BLAS.gemm(transposeA: true, m: m, n: m, k: p, alpha: 1 / Double(p), x.baseAddress!, x.baseAddress!, beta: 0, $0.baseAddress!)
            }
            b.withUnsafeMutableBufferPointer {
                BLAS.gemv(transpose: true, rows: p, columns: m, alpha: 1 / Double(p), x.baseAddress!, train.targets, beta: 0, $0.baseAddress!)
            }
        }
        covariance = c
        correlation = b
    }

    /// g = u C - b into `g` (M values).
    @inline(__always)
    func gradient(u: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) {
        let m = inputs
        correlation.withUnsafeBufferPointer { g.update(from: $0.baseAddress!, count: m) }
        covariance.withUnsafeBufferPointer { BLAS.gemv(rows: m, columns: m, alpha: 1, $0.baseAddress!, u, beta: -1, g) }
    }
}

/// The full-batch pseudo-gradient of a linear network from the sufficient statistics: with u = W2 W1 and
/// g = u C - b (`LinearSufficientStatistics`), g1 = F^T g (N x M, F = W2 for backpropagation, the feedback vector for
/// feedback alignment) and g2 = W1 g^T. O(NM + M^2) per evaluation, whatever P (the per-sample `BatchGradient` is
/// O(PNM)). Owns its scratch (u and g): not thread-safe, one instance per vector field.
final class LinearFullBatchGradient {
    private let statistics: LinearSufficientStatistics
    private let n: Int, m: Int
    private let feedback: [Double]?
    private let u: UnsafeMutablePointer<Double>
    private let g: UnsafeMutablePointer<Double>

    init(statistics: LinearSufficientStatistics, hidden: Int, feedback: [Double]?) {
        precondition(feedback.map { $0.count == hidden } ?? true, "the feedback vector needs N entries")
        self.statistics = statistics
        (n, m) = (hidden, statistics.inputs)
        self.feedback = feedback
        u = .allocate(capacity: m)
        g = .allocate(capacity: m)
    }

    deinit {
        u.deallocate()
        g.deallocate()
    }

    /// Writes [vec(g1), g2] (NM + N values) at theta.
    func evaluate(theta: UnsafePointer<Double>, into gradient: UnsafeMutablePointer<Double>) {
        let w2 = theta + n * m
        BLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, theta, w2, beta: 0, u)
        statistics.gradient(u: u, into: g)
        BLAS.gemv(rows: n, columns: m, alpha: 1, theta, g, beta: 0, gradient + n * m)
        for i in 0..<n {
            let f = feedback?[i] ?? w2[i]
            let row = gradient + i * m
            for j in 0..<m { row[j] = f * g[j] }
        }
    }
}
