import NumericalKit

/// The (pseudo-)gradient of a learning rule on a batch of samples, as the reference computes it
/// (../shared/reference/curl-descent.md section 2.1):
///
///     e = psi(a2) - y                     (no psi'(a2) factor at the output)
///     g2 = mean_p e h^T,   g1 = mean_p ((F e) * phi'(a1)) x^T,   F = W2^T (backpropagation) or B (feedback alignment)
///
/// For a linear output g is the gradient of 1/2 mean e^2; for a nonlinear one it is the gradient of the
/// matching loss mean (Psi(a2) - y a2), Psi' = psi. Two dgemm and two dgemv per call; the buffers are
/// reused, so evaluations allocate nothing. Not thread-safe: one instance per task.
public final class BatchGradient {
    public let shape: NetworkShape
    public let activation: NetworkActivation
    /// The largest batch this instance takes.
    public let capacity: Int
    private let hidden: UnsafeMutablePointer<Double>  // a1, then h = phi(a1)
    private let slope: UnsafeMutablePointer<Double>   // phi'(a1), then delta1
    private let error: UnsafeMutablePointer<Double>   // a2, then e
    /// B of feedback alignment (N values), fixed for the kernel's life; nil: backpropagation through W2.
    private let feedback: UnsafeMutablePointer<Double>?

    public init(shape: NetworkShape, activation: NetworkActivation, capacity: Int, feedback: [Double]? = nil) {
        precondition(capacity > 0)
        precondition(feedback.map { $0.count == shape.hidden } ?? true, "the feedback vector needs N entries")
        self.shape = shape
        self.activation = activation
        self.capacity = capacity
        hidden = .allocate(capacity: capacity * shape.hidden)
        slope = .allocate(capacity: capacity * shape.hidden)
        error = .allocate(capacity: capacity)
        self.feedback = feedback.map { f in
            let buffer = UnsafeMutablePointer<Double>.allocate(capacity: f.count)
            buffer.initialize(from: f, count: f.count)
            return buffer
        }
    }

    deinit {
        hidden.deallocate()
        slope.deallocate()
        error.deallocate()
        feedback?.deallocate()
    }

    /// Writes g = [vec(g1), g2] (NM + N values) for the `count` samples at `inputs` (count x M, row-major)
    /// and returns their loss 1/2 mean e^2.
    @discardableResult
    public func evaluate(theta: UnsafePointer<Double>, inputs: UnsafePointer<Double>, targets: UnsafePointer<Double>, count: Int,
                         into gradient: UnsafeMutablePointer<Double>) -> Double {
        precondition(count > 0 && count <= capacity)
        let (m, n) = (shape.inputs, shape.hidden)
        let w1 = theta
        let w2 = theta + n * m
        let phi = activation.hidden
        let psi = activation.output
        BLAS.gemm(transposeB: true, m: count, n: n, k: m, alpha: 1, inputs, w1, beta: 0, hidden)
        if phi != .linear {
            for k in 0..<(count * n) {
                (hidden[k], slope[k]) = phi.valueAndDerivative(hidden[k])
            }
        }
        BLAS.gemv(rows: count, columns: n, alpha: 1, hidden, w2, beta: 0, error)
        var loss = 0.0
        for p in 0..<count {
            let e = psi.value(error[p]) - targets[p]
            error[p] = e
            loss += e * e
        }
        let scale = 1 / Double(count)
        BLAS.gemv(transpose: true, rows: count, columns: n, alpha: scale, hidden, error, beta: 0, gradient + n * m)
        let f = UnsafePointer(feedback) ?? w2
        for p in 0..<count {
            let row = slope + p * n
            let e = error[p]
            if phi == .linear {
                for i in 0..<n { row[i] = e * f[i] }
            } else {
                for i in 0..<n { row[i] *= e * f[i] }
            }
        }
        BLAS.gemm(transposeA: true, m: n, n: m, k: count, alpha: scale, slope, inputs, beta: 0, gradient)
        return 0.5 * loss * scale
    }
}
