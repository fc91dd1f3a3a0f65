import NumericalKit

/// One learning experiment as a value: network, rule, data and start. Both integrators take it:
/// the continuous full-batch flow (`FullBatchFlow`, GSL) and the reference's discrete minibatch protocol.
public struct TrainingProblem: Sendable {
    public let shape: NetworkShape
    public let activation: NetworkActivation
    public let rule: LearningRule
    public let signs: SignMatrices
    /// The feedback vector B of a feedback-alignment rule (nil for backpropagation).
    public let feedback: [Double]?
    public let data: TaskData
    public let start: TwoLayerWeights
    /// Keep |W1|_F and |W2| at their values at the start (the reference's main experiments).
    public let normConstraint: Bool
    public let seed: UInt64

    public init(start: TwoLayerWeights, activation: NetworkActivation, rule: LearningRule, data: TaskData,
                normConstraint: Bool, seed: UInt64) throws {
        let shape = start.shape
        guard data.train.inputs.columns == shape.inputs, data.test.inputs.columns == shape.inputs else {
            throw ParameterError("the data have \(data.train.inputs.columns) inputs, the network \(shape.inputs)")
        }
        if normConstraint {
            guard start.w1.frobeniusNorm > 0, Vector.norm(start.w2) > 0 else {
                throw ParameterError("the norm constraint needs non-zero starting weights")
            }
        }
        if case .random(let scale) = rule.feedback, !(scale > 0 && scale.isFinite) {
            throw ParameterError("the feedback scale must be positive, got \(scale)")
        }
        self.shape = shape
        self.activation = activation
        self.rule = rule
        signs = try rule.signs(for: shape, seed: seed)
        feedback = rule.feedbackVector(hidden: shape.hidden, seed: seed)
        self.data = data
        self.start = start
        self.normConstraint = normConstraint
        self.seed = seed
    }

    /// The sign mask S over theta = [vec(W1), W2].
    public var mask: [Double] { signs.mask(shape) }

    public func trainLoss(_ weights: TwoLayerWeights) -> Double { Network.loss(of: weights, activation: activation, on: data.train) }
    public func testLoss(_ weights: TwoLayerWeights) -> Double { Network.loss(of: weights, activation: activation, on: data.test) }

    /// Projects a velocity onto the tangent spaces of the spheres |W1|_F = const and |W2| = const at theta.
    /// Four-wide partial sums let the two reductions vectorise (a single running sum is a serial chain of additions).
    func projectOntoNormSpheres(_ theta: UnsafePointer<Double>, _ velocity: UnsafeMutablePointer<Double>) {
        let nm = shape.hidden * shape.inputs
        for (offset, count) in [(0, nm), (nm, shape.hidden)] {
            let (w, v) = (theta + offset, velocity + offset)
            var dots = SIMD4<Double>(repeating: 0), squares = SIMD4<Double>(repeating: 0)
            var k = 0
            while k + 4 <= count {
                let a = UnsafeRawPointer(w + k).loadUnaligned(as: SIMD4<Double>.self)
                dots += a * UnsafeRawPointer(v + k).loadUnaligned(as: SIMD4<Double>.self)
                squares += a * a
                k += 4
            }
            var (dot, squared) = (dots.sum(), squares.sum())
            while k < count {
                dot += w[k] * v[k]
                squared += w[k] * w[k]
                k += 1
            }
            let c = dot / squared
            for k in 0..<count { v[k] -= c * w[k] }
        }
    }
}
