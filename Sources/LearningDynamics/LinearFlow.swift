import NumericalKit

/// The population learning flow of a linear student M -> N -> 1 learning a linear teacher from inputs
/// x ~ N(0, sigma_x^2 I) (../shared/reference/curl-descent.md section 2.2):
///
///     L = sigma_x^2 / 2 |u|^2,  u = W2 W1 - w*,
///     dW1/dt = -sigma_x^2 W2^T u D1,   dW2/dt = -sigma_x^2 u W1^T D2,
///
/// i.e. dtheta/dt = -S grad L with S = diag(I_N (x) D1, D2). Gradient descent is S = I.
public struct LinearFlow: Sendable {
    public let shape: NetworkShape
    /// The teacher's end-to-end map w* = W2* W1* (length M).
    public let target: [Double]
    public let signs: SignMatrices
    /// The input variance sigma_x^2.
    public let inputVariance: Double

    public static let defaultInputVariance = 0.5

    public init(shape: NetworkShape, target: [Double], signs: SignMatrices, inputVariance: Double = defaultInputVariance) throws {
        guard target.count == shape.inputs else {
            throw LearningDynamicsError.invalidParameter("the teacher map has \(target.count) entries, expected M = \(shape.inputs)")
        }
        guard signs.convention == .column, signs.d1.count == shape.inputs, signs.d2.count == shape.hidden else {
            throw LearningDynamicsError.invalidParameter("the population flow takes column-convention sign matrices matching the network shape")
        }
        guard inputVariance > 0, inputVariance.isFinite else {
            throw LearningDynamicsError.invalidParameter("the input variance must be positive, got \(inputVariance)")
        }
        self.shape = shape
        self.target = target
        self.signs = signs
        self.inputVariance = inputVariance
    }

    /// The flow for a teacher network and a rule.
    /// The flow for a teacher network and a backpropagation rule (`seed` picks randomly selected flips).
    public init(teacher: TwoLayerWeights, rule: LearningRule, inputVariance: Double = defaultInputVariance, seed: UInt64 = 0) throws {
        guard rule.feedback == .backpropagation else {
            throw LearningDynamicsError.invalidParameter("the linear population flow supports gradient and curl descent; use the full-batch flow for feedback alignment")
        }
        let shape = teacher.shape
        try self.init(shape: shape, target: teacher.endToEnd, signs: try rule.signs(for: shape, seed: seed), inputVariance: inputVariance)
    }

    public var dimension: Int { shape.parameterCount }

    // MARK: - Pointwise quantities

    /// The error u = W2 W1 - w* (length M).
    public func error(_ theta: [Double]) -> [Double] {
        var u = [Double](repeating: 0, count: shape.inputs)
        theta.withUnsafeBufferPointer { t in u.withUnsafeMutableBufferPointer { computeError(t, into: $0) } }
        return u
    }

    /// The population loss sigma_x^2 / 2 |u|^2.
    public func loss(_ theta: [Double]) -> Double {
        let u = error(theta)
        return 0.5 * inputVariance * Vector.dot(u, u)
    }

    /// The gradient of the loss (what gradient descent follows, with a minus sign).
    public func lossGradient(_ theta: [Double]) throws -> [Double] {
        let gd = try LinearFlow(shape: shape, target: target, signs: .identity(shape),
                                inputVariance: inputVariance)
        return gd.velocity(theta).map { -$0 }
    }

    /// dtheta/dt at theta.
    public func velocity(_ theta: [Double]) -> [Double] {
        precondition(theta.count == dimension)
        var out = [Double](repeating: 0, count: dimension)
        var scratch = [Double](repeating: 0, count: shape.inputs)
        theta.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { evaluate(t, into: o, scratch: $0) } }
        }
        return out
    }

    /// The stability matrix K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric): du/dt = -sigma_x^2 u K exactly,
    /// and on the solution manifold the non-zero Jacobian eigenvalues are -sigma_x^2 eig(K).
    public func stabilityMatrix(_ theta: [Double]) -> Matrix {
        let w = TwoLayerWeights(shape: shape, flattened: theta)
        let (m, n) = (shape.inputs, shape.hidden)
        // W1^T D2 W1 = sum_i d2_i w1_i^T w1_i: scale the rows of W1 by d2 and multiply by W1^T.
        var scaled = w.w1
        for i in 0..<n { for j in 0..<m { scaled[i, j] *= signs.d2[i] } }
        var k = Matrix(rows: m, columns: m)
        Matrix.gemm(w.w1, transposeA: true, scaled, into: &k)
        let w2Squared = Vector.dot(w.w2, w.w2)
        for j in 0..<m { k[j, j] += w2Squared * signs.d1[j] }
        return k
    }

    // MARK: - For the ODE solver

    /// The vector field as an allocation-free closure (it owns one scratch buffer of length M).
    public func makeVectorField() -> VectorField {
        let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: shape.inputs)
        let owner = ScratchOwner(scratch)
        let flow = self
        return { _, y, dydt in
            withExtendedLifetime(owner) { flow.evaluate(y, into: dydt, scratch: owner.buffer) }
        }
    }

    /// The analytic Jacobian of the vector field, as the implicit steppers need it (dense, P x P with P = NM + N).
    public func makeJacobian() -> JacobianFunction {
        let flow = self
        return { _, y, dfdy, dfdt in
            flow.fillJacobian(y, into: dfdy)
            dfdt.update(repeating: 0)
        }
    }

    /// The analytic Jacobian at theta as a matrix.
    public func jacobian(_ theta: [Double]) -> Matrix {
        var j = Matrix(rows: dimension, columns: dimension)
        theta.withUnsafeBufferPointer { t in j.elements.withUnsafeMutableBufferPointer { fillJacobian(t, into: $0) } }
        return j
    }

    /// The ODE problem that integrates this flow from `start` up to `endTime`.
    public func problem(from start: TwoLayerWeights, endTime: Double) -> ODEProblem {
        precondition(start.shape == shape)
        return ODEProblem(initialState: start.flattened, endTime: endTime, vectorField: makeVectorField())
    }

    // MARK: - Kernels

    /// u = W2 W1 - w*, by BLAS dgemv.
    func computeError(_ theta: UnsafeBufferPointer<Double>, into u: UnsafeMutableBufferPointer<Double>) {
        let w1 = theta.baseAddress!
        let w2 = w1 + shape.hidden * shape.inputs
        _ = u.update(fromContentsOf: target)
        BLAS.gemv(transpose: true, rows: shape.hidden, columns: shape.inputs, alpha: 1, w1, w2, beta: -1, u.baseAddress!)
    }

    /// dtheta/dt into `out`; `scratch` has room for M doubles. Two dgemv and one dger: O(NM) flops, no allocation.
    func evaluate(_ theta: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                  scratch: UnsafeMutableBufferPointer<Double>) {
        let (m, n) = (shape.inputs, shape.hidden)
        let s = inputVariance
        computeError(theta, into: scratch)
        let w1 = theta.baseAddress!
        let w2 = w1 + n * m
        let f1 = out.baseAddress!
        let f2 = f1 + n * m
        // dW2/dt = -s (W1 u)_i d2_i (uses u before it is scaled by D1).
        BLAS.gemv(rows: n, columns: m, alpha: -s, w1, scratch.baseAddress!, beta: 0, f2)
        for i in 0..<n { f2[i] *= signs.d2[i] }
        // dW1/dt = -s w2 (u D1)^T, a rank-one outer product written in one pass (no zeroing + dger).
        for j in 0..<m { scratch[j] *= -s * signs.d1[j] }
        for i in 0..<n {
            let row = f1 + i * m
            let w = w2[i]
            for j in 0..<m { row[j] = w * scratch[j] }
        }
    }

    /// Row-major Jacobian d(dtheta/dt)/dtheta. W1[i, j] is coordinate i*M + j, W2[i] is N*M + i.
    func fillJacobian(_ theta: UnsafeBufferPointer<Double>, into jac: UnsafeMutableBufferPointer<Double>) {
        let (m, n) = (shape.inputs, shape.hidden)
        let p = dimension
        let s = inputVariance
        let w1 = theta.baseAddress!
        let w2 = w1 + n * m
        var u = [Double](repeating: 0, count: m)
        u.withUnsafeMutableBufferPointer { computeError(theta, into: $0) }
        jac.update(repeating: 0)
        for i in 0..<n {
            for j in 0..<m {
                let row = (i * m + j) * p
                let c = -s * signs.d1[j]
                // d F1[i,j] / d W1[k,j] = -s d1_j w2_i w2_k
                for k in 0..<n { jac[row + k * m + j] = c * w2[i] * w2[k] }
                // d F1[i,j] / d W2[k] = -s d1_j (delta_ik u_j + w2_i W1[k,j])
                for k in 0..<n { jac[row + n * m + k] = c * w2[i] * w1[k * m + j] }
                jac[row + n * m + i] += c * u[j]
            }
        }
        // W1 W1^T for d F2 / d W2.
        var gram = [Double](repeating: 0, count: n * n)
        gram.withUnsafeMutableBufferPointer { BLAS.outerGram(rows: n, columns: m, w1, into: $0.baseAddress!) }
        for i in 0..<n {
            let row = (n * m + i) * p
            let c = -s * signs.d2[i]
            // d F2[i] / d W1[k,l] = -s d2_i (w2_k W1[i,l] + delta_ik u_l)
            for k in 0..<n { for l in 0..<m { jac[row + k * m + l] = c * w2[k] * w1[i * m + l] } }
            for l in 0..<m { jac[row + i * m + l] += c * u[l] }
            // d F2[i] / d W2[k] = -s d2_i (W1 W1^T)_ik
            for k in 0..<n { jac[row + n * m + k] = c * gram[i * n + k] }
        }
    }
}

/// Frees a vector field's scratch buffer when the closure that captured it goes away.
private final class ScratchOwner: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Double>
    init(_ buffer: UnsafeMutableBufferPointer<Double>) { self.buffer = buffer }
    deinit { buffer.deallocate() }
}
