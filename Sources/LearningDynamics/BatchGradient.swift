import NumericalKit

/// The (pseudo-)gradient of a learning rule on a batch of samples, as the reference computes it
/// (../shared/reference/curl-descent.md section 2.1):
///
///     e = psi(a2) - y                     (no psi'(a2) factor at the output)
///     g2 = mean_p e h^T,   g1 = mean_p ((F e) * phi'(a1)) x^T,   F = W2^T (backpropagation) or B (feedback alignment)
///
/// For a linear output g is the gradient of 1/2 mean e^2; for a nonlinear one it is the gradient of the
/// matching loss mean (Psi(a2) - y a2), Psi' = psi. The buffers are reused, so evaluations allocate nothing.
/// Not thread-safe: one instance per task.
///
/// Two kernels compute the same g. `.blas`: two dgemm, two dgemv and libm's tanh, the oracle the other is tested
/// against. `.fused`: `SmallKernels`' hand-vectorised products and tanh, which read the minibatch's rows of X in
/// place through an index list; at the sizes of the reference's tanh networks (10 x 100 by 100 x 10) a BLAS call
/// costs more than its arithmetic and scalar tanh dominates. The two agree to about 1e-15 relative (summation
/// order and tanh's last bit), not bit for bit.
public final class BatchGradient {
    public enum Kernel: String, Sendable, CaseIterable {
        case blas, fused

        /// The faster kernel for a network of this shape: fused while W1 fits in the L1 cache (N M <= 4096),
        /// where BLAS's packing and call overhead dominate, BLAS beyond.
        public static func automatic(for shape: NetworkShape) -> Kernel {
            shape.hidden * shape.inputs <= 4096 ? .fused : .blas
        }
    }

    public let shape: NetworkShape
    public let activation: NetworkActivation
    /// The largest batch this instance takes.
    public let capacity: Int
    public let kernel: Kernel
    private let hidden: UnsafeMutablePointer<Double>  // a1, then h = phi(a1)
    private let slope: UnsafeMutablePointer<Double>   // phi'(a1), then delta1
    private let error: UnsafeMutablePointer<Double>   // a2, then e
    /// BLAS kernel with a row list: the gathered rows of X and their targets.
    private let gatheredInputs: UnsafeMutablePointer<Double>
    private let gatheredTargets: UnsafeMutablePointer<Double>
    /// B of feedback alignment (N values), fixed for the kernel's life; nil: backpropagation through W2.
    private let feedback: UnsafeMutablePointer<Double>?

    /// `kernel` nil: `Kernel.automatic(for: shape)`.
    public init(shape: NetworkShape, activation: NetworkActivation, capacity: Int, feedback: [Double]? = nil, kernel: Kernel? = nil) {
        precondition(capacity > 0)
        precondition(feedback.map { $0.count == shape.hidden } ?? true, "the feedback vector needs N entries")
        self.shape = shape
        self.activation = activation
        self.capacity = capacity
        self.kernel = kernel ?? .automatic(for: shape)
        hidden = .allocate(capacity: capacity * shape.hidden)
        slope = .allocate(capacity: capacity * shape.hidden)
        error = .allocate(capacity: capacity)
        let gathers = self.kernel == .blas
        gatheredInputs = .allocate(capacity: gathers ? capacity * shape.inputs : 0)
        gatheredTargets = .allocate(capacity: gathers ? capacity : 0)
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
        gatheredInputs.deallocate()
        gatheredTargets.deallocate()
        feedback?.deallocate()
    }

    /// Writes g = [vec(g1), g2] (NM + N values) for `count` samples and returns their loss 1/2 mean e^2. Sample p is
    /// row r_p of `inputs` (M values, row-major) with target `targets[r_p]`, where r_p = rows[p], or p without `rows`.
    @discardableResult
    public func evaluate(theta: UnsafePointer<Double>, inputs: UnsafePointer<Double>, targets: UnsafePointer<Double>,
                         rows: UnsafePointer<Int>? = nil, count: Int, into gradient: UnsafeMutablePointer<Double>) -> Double {
        precondition(count > 0 && count <= capacity)
        switch kernel {
        case .fused:
            return evaluateFused(theta: theta, inputs: inputs, targets: targets, rows: rows, count: count, into: gradient)
        case .blas:
            guard let rows else { return evaluateBLAS(theta: theta, inputs: inputs, targets: targets, count: count, into: gradient) }
            let m = shape.inputs
            for p in 0..<count {
                (gatheredInputs + p * m).update(from: inputs + rows[p] * m, count: m)
                gatheredTargets[p] = targets[rows[p]]
            }
            return evaluateBLAS(theta: theta, inputs: gatheredInputs, targets: gatheredTargets, count: count, into: gradient)
        }
    }

    private func evaluateBLAS(theta: UnsafePointer<Double>, inputs: UnsafePointer<Double>, targets: UnsafePointer<Double>, count: Int,
                              into gradient: UnsafeMutablePointer<Double>) -> Double {
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
        hiddenErrors(count: count, w2: w2)
        BLAS.gemm(transposeA: true, m: n, n: m, k: count, alpha: scale, slope, inputs, beta: 0, gradient)
        return 0.5 * loss * scale
    }

    private func evaluateFused(theta: UnsafePointer<Double>, inputs: UnsafePointer<Double>, targets: UnsafePointer<Double>,
                               rows: UnsafePointer<Int>?, count: Int, into gradient: UnsafeMutablePointer<Double>) -> Double {
        let (m, n) = (shape.inputs, shape.hidden)
        let w1 = theta
        let w2 = theta + n * m
        let phi = activation.hidden
        let psi = activation.output
        SmallKernels.gatherGemmNT(count: count, n: n, k: m, inputs, rows: rows, w1, into: hidden)
        switch phi {
        case .linear: break
        case .tanh: SmallKernels.tanhWithDerivative(count: count * n, hidden, value: hidden, derivative: slope)
        default:
            for k in 0..<(count * n) {
                (hidden[k], slope[k]) = phi.valueAndDerivative(hidden[k])
            }
        }
        for p in 0..<count {
            let row = hidden + p * n
            var a2 = 0.0
            for i in 0..<n { a2 += row[i] * w2[i] }
            error[p] = a2
        }
        switch psi {
        case .linear: break
        case .tanh: SmallKernels.tanhWithDerivative(count: count, error, value: error, derivative: nil)
        default: for p in 0..<count { error[p] = psi.value(error[p]) }
        }
        var loss = 0.0
        for p in 0..<count {
            let e = error[p] - targets[rows.map { $0[p] } ?? p]
            error[p] = e
            loss += e * e
        }
        let scale = 1 / Double(count)
        let g2 = gradient + n * m
        for i in 0..<n { g2[i] = 0 }
        for p in 0..<count {
            let row = hidden + p * n
            let e = error[p]
            for i in 0..<n { g2[i] += row[i] * e }
        }
        for i in 0..<n { g2[i] *= scale }
        hiddenErrors(count: count, w2: w2)
        SmallKernels.gatherGemmTN(count: count, n: n, k: m, alpha: scale, slope, inputs, rows: rows, into: gradient)
        return 0.5 * loss * scale
    }

    /// delta1 = (F e) * phi'(a1) for each sample, over `slope` (which holds phi'(a1) unless phi is linear).
    @inline(__always)
    private func hiddenErrors(count: Int, w2: UnsafePointer<Double>) {
        let n = shape.hidden
        let f = UnsafePointer(feedback) ?? w2
        let linear = activation.hidden == .linear
        for p in 0..<count {
            let row = slope + p * n
            let e = error[p]
            if linear {
                for i in 0..<n { row[i] = e * f[i] }
            } else {
                for i in 0..<n { row[i] *= e * f[i] }
            }
        }
    }
}
