import NumericalKit

/// The population learning flow of a linear student M -> N -> 1 learning a linear teacher from inputs
/// x ~ N(0, Sigma), Sigma = sigma_x^2 I by default (../shared/reference/curl-descent.md section 2.2):
///
///     L = 1/2 u Sigma u^T,  u = W2 W1 - w*,
///     dW1/dt = -W2^T (u Sigma) D1,   dW2/dt = -(u Sigma) W1^T D2,
///
/// i.e. dtheta/dt = -S grad L with S = diag(I_N (x) D1, D2). Gradient descent is S = I.
/// The error obeys du/dt = -u Sigma K with K = |w2|^2 D1 + W1^T D2 W1.
public struct LinearFlow: Sendable {
    public let shape: NetworkShape
    /// The teacher's end-to-end map w* = W2* W1* (length M).
    public let target: [Double]
    public let signs: SignMatrices
    /// The input variance sigma_x^2 (of an isotropic input distribution).
    public let inputVariance: Double
    /// A general input covariance Sigma (M x M, symmetric positive definite); nil means sigma_x^2 I.
    public let inputCovariance: Matrix?

    public static let defaultInputVariance = 0.5

    public init(shape: NetworkShape, target: [Double], signs: SignMatrices, inputVariance: Double = defaultInputVariance,
                inputCovariance: Matrix? = nil) throws {
        guard target.count == shape.inputs else {
            throw ParameterError("the teacher map has \(target.count) entries, expected M = \(shape.inputs)")
        }
        guard signs.convention == .column, signs.d1.count == shape.inputs, signs.d2.count == shape.hidden else {
            throw ParameterError("the population flow takes column-convention sign matrices matching the network shape")
        }
        guard inputVariance > 0, inputVariance.isFinite else {
            throw ParameterError("the input variance must be positive, got \(inputVariance)")
        }
        if let sigma = inputCovariance {
            guard sigma.rows == shape.inputs, sigma.columns == shape.inputs else {
                throw ParameterError("the input covariance must be \(shape.inputs) x \(shape.inputs), got \(sigma.rows) x \(sigma.columns)")
            }
            guard sigma.elements.allSatisfy(\.isFinite), sigma.asymmetry <= 1e-12 * max(1, sigma.frobeniusNorm),
                  let smallest = try? Eigen.symmetricEigenvalues(sigma).first, smallest > 0 else {
                throw ParameterError("the input covariance must be symmetric positive definite")
            }
        }
        self.shape = shape
        self.target = target
        self.signs = signs
        self.inputVariance = inputVariance
        self.inputCovariance = inputCovariance
    }

    /// Sigma as a matrix (sigma_x^2 I when isotropic).
    public var covarianceMatrix: Matrix {
        inputCovariance ?? Matrix.diagonal(Array(repeating: inputVariance, count: shape.inputs))
    }

    /// The flow for a teacher network and a rule.
    /// The flow for a teacher network and a backpropagation rule (`seed` picks randomly selected flips).
    public init(teacher: TwoLayerWeights, rule: LearningRule, inputVariance: Double = defaultInputVariance,
                inputCovariance: Matrix? = nil, seed: UInt64 = 0) throws {
        guard rule.feedback == .backpropagation else {
            throw ParameterError("the linear population flow supports gradient and curl descent; use the full-batch flow for feedback alignment")
        }
        let shape = teacher.shape
        try self.init(shape: shape, target: teacher.endToEnd, signs: try rule.signs(for: shape, seed: seed), inputVariance: inputVariance,
                      inputCovariance: inputCovariance)
    }

    public var dimension: Int { shape.parameterCount }

    // MARK: - Pointwise quantities

    /// The error u = W2 W1 - w* (length M).
    public func error(_ theta: [Double]) -> [Double] {
        var u = [Double](repeating: 0, count: shape.inputs)
        theta.withUnsafeBufferPointer { t in u.withUnsafeMutableBufferPointer { computeError(t, into: $0) } }
        return u
    }

    /// The population loss 1/2 u Sigma u^T (sigma_x^2 / 2 |u|^2 for isotropic inputs).
    public func loss(_ theta: [Double]) -> Double {
        let u = error(theta)
        return 0.5 * Vector.dot(u, weighted(u))
    }

    /// u Sigma (Sigma is symmetric).
    public func weighted(_ u: [Double]) -> [Double] {
        inputCovariance.map { $0 * u } ?? u.map { inputVariance * $0 }
    }

    /// The gradient of the loss (what gradient descent follows, with a minus sign): the velocity is -S g with
    /// S = diag(mask) of +-1 entries, so g = -S velocity.
    public func lossGradient(_ theta: [Double]) throws -> [Double] {
        zip(velocity(theta), signs.mask(shape)).map { -$0 * $1 }
    }

    /// dtheta/dt at theta.
    public func velocity(_ theta: [Double]) -> [Double] {
        precondition(theta.count == dimension)
        var out = [Double](repeating: 0, count: dimension)
        var scratch = [Double](repeating: 0, count: 2 * shape.inputs)
        theta.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in scratch.withUnsafeMutableBufferPointer { evaluate(t, into: o, scratch: $0) } }
        }
        return out
    }

    /// The stability matrix K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric): du/dt = -sigma_x^2 u K exactly,
    /// and on the solution manifold the non-zero Jacobian eigenvalues are -sigma_x^2 eig(K).
    public func stabilityMatrix(_ theta: [Double]) -> Matrix {
        Self.stabilityMatrix(TwoLayerWeights(shape: shape, flattened: theta), signs: signs)
    }

    /// The distance from theta to the solution manifold W2 W1 = w*, to first order in u:
    /// d = sqrt(u (J J^T)^-1 u^T) with J = du/dtheta, and J J^T = |w2|^2 I + W1^T W1 (the gradient-descent K).
    /// Exact as u -> 0; NaN where J J^T is singular (W1 and W2 both zero).
    public func manifoldDistance(_ theta: [Double]) -> Double {
        let w = TwoLayerWeights(shape: shape, flattened: theta)
        let u = error(theta)
        guard let x = try? Self.stabilityMatrix(w, signs: .identity(shape)).solvePositiveDefinite(u) else { return .nan }
        return max(0, Vector.dot(u, x)).squareRoot()
    }

    /// K = |w2|^2 D1 + W1^T D2 W1 for any weights and column-convention signs (it does not involve the teacher):
    /// the core's `StabilityMatrix`.
    public static func stabilityMatrix(_ w: TwoLayerWeights, signs: SignMatrices) -> Matrix {
        StabilityMatrix.build(w1: w.w1, w2: w.w2, signs: signs)
    }

    // MARK: - For the ODE solver

    /// The vector field as an allocation-free closure (it owns one scratch buffer of length 2M).
    public func makeVectorField() -> VectorField {
        let scratch = UnsafeMutableBufferPointer<Double>.allocate(capacity: 2 * shape.inputs)
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

    /// dtheta/dt into `out`; `scratch` has room for 2M doubles. Two or three dgemv and an outer product:
    /// O(NM + M^2) flops, no allocation.
    func evaluate(_ theta: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>,
                  scratch: UnsafeMutableBufferPointer<Double>) {
        let (m, n) = (shape.inputs, shape.hidden)
        computeError(theta, into: scratch)
        // v = u Sigma, in the second half of the scratch buffer.
        let u = scratch.baseAddress!
        let v = u + m
        if let sigma = inputCovariance {
            sigma.elements.withUnsafeBufferPointer { BLAS.gemv(rows: m, columns: m, alpha: 1, $0.baseAddress!, u, beta: 0, v) }
        } else {
            for j in 0..<m { v[j] = inputVariance * u[j] }
        }
        let w1 = theta.baseAddress!
        let w2 = w1 + n * m
        let f1 = out.baseAddress!
        let f2 = f1 + n * m
        // dW2/dt = -(W1 v)_i d2_i.
        BLAS.gemv(rows: n, columns: m, alpha: -1, w1, v, beta: 0, f2)
        for i in 0..<n { f2[i] *= signs.d2[i] }
        // dW1/dt = -w2 (v D1)^T, a rank-one outer product written in one pass (no zeroing + dger).
        for j in 0..<m { scratch[j] = -v[j] * signs.d1[j] }
        for i in 0..<n {
            let row = f1 + i * m
            let w = w2[i]
            for j in 0..<m { row[j] = w * scratch[j] }
        }
    }

    /// Row-major Jacobian d(dtheta/dt)/dtheta. W1[i, j] is coordinate i*M + j, W2[i] is N*M + i.
    /// With v = u Sigma and B = W1 Sigma:
    ///     dF1[i,j]/dW1[k,l] = -d1_j w2_i w2_k Sigma_jl      dF1[i,j]/dW2[k] = -d1_j (delta_ik v_j + w2_i B_kj)
    ///     dF2[i]/dW1[k,l]   = -d2_i (delta_ik v_l + w2_k B_il)   dF2[i]/dW2[k] = -d2_i (B W1^T)_ik
    func fillJacobian(_ theta: UnsafeBufferPointer<Double>, into jac: UnsafeMutableBufferPointer<Double>) {
        let (m, n) = (shape.inputs, shape.hidden)
        let p = dimension
        let w1 = theta.baseAddress!
        let w2 = w1 + n * m
        let sigma = covarianceMatrix
        let weights = TwoLayerWeights(shape: shape, flattened: Array(theta))
        let v = weighted(error(Array(theta)))
        let b = weights.w1 * sigma               // N x M
        let bw = b * weights.w1.transposed       // N x N, symmetric
        jac.update(repeating: 0)
        for i in 0..<n {
            for j in 0..<m {
                let row = (i * m + j) * p
                let c = -signs.d1[j]
                for k in 0..<n {
                    let ck = c * w2[i] * w2[k]
                    if inputCovariance == nil {
                        jac[row + k * m + j] = ck * inputVariance
                    } else {
                        for l in 0..<m { jac[row + k * m + l] = ck * sigma[j, l] }
                    }
                }
                for k in 0..<n { jac[row + n * m + k] = c * w2[i] * b[k, j] }
                jac[row + n * m + i] += c * v[j]
            }
        }
        for i in 0..<n {
            let row = (n * m + i) * p
            let c = -signs.d2[i]
            for k in 0..<n { for l in 0..<m { jac[row + k * m + l] = c * w2[k] * b[i, l] } }
            for l in 0..<m { jac[row + i * m + l] += c * v[l] }
            for k in 0..<n { jac[row + n * m + k] = c * bw[i, k] }
        }
    }
}

/// Frees a vector field's scratch buffer when the closure that captured it goes away.
private final class ScratchOwner: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Double>
    init(_ buffer: UnsafeMutableBufferPointer<Double>) { self.buffer = buffer }
    deinit { buffer.deallocate() }
}
