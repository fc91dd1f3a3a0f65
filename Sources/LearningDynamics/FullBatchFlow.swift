import NumericalKit

/// The continuous-time full-batch learning flow dtheta/dt = -S g(theta) of a training problem, with g the
/// rule's (pseudo-)gradient on the whole training set and, under the norm constraint, the velocity projected
/// onto the tangent spaces of the two norm spheres.
///
/// g comes from the per-sample `BatchGradient` (O(PNM) per evaluation), or, for a linear network, from the
/// sufficient statistics X^T X / P and X^T y / P (`LinearFullBatchGradient`, O(NM + M^2) whatever P).
public struct FullBatchFlow: Sendable {
    public let problem: TrainingProblem
    private let mask: [Double]
    /// The linear network's sufficient statistics; nil: the per-sample path.
    private let statistics: LinearSufficientStatistics?

    /// The flow of `problem`. A linear network takes the sufficient statistics unless `useLinearStructure` is
    /// false, which forces the per-sample path every network takes otherwise (the tests' oracle: both agree to
    /// round-off).
    public init(_ problem: TrainingProblem, useLinearStructure: Bool = true) {
        self.problem = problem
        mask = problem.mask
        statistics = useLinearStructure && problem.activation.isLinear ? LinearSufficientStatistics(problem.data.train) : nil
    }

    public var shape: NetworkShape { problem.shape }
    public var dimension: Int { shape.parameterCount }

    /// A gradient kernel for the whole training set, with the rule's feedback vector.
    func makeKernel() -> FlowGradientKernel {
        if let statistics {
            return .linear(LinearFullBatchGradient(statistics: statistics, hidden: shape.hidden, feedback: problem.feedback))
        }
        return .perSample(BatchGradient(shape: shape, activation: problem.activation, capacity: problem.data.train.count,
                                        feedback: problem.feedback))
    }

    /// The vector field as an allocation-free closure (it owns its gradient buffers).
    public func makeVectorField() -> VectorField {
        let kernel = makeKernel()
        let flow = self
        return { _, y, dydt in flow.evaluate(y.baseAddress!, into: dydt.baseAddress!, kernel: kernel) }
    }

    /// dtheta/dt at theta.
    public func velocity(_ theta: [Double]) -> [Double] {
        precondition(theta.count == dimension)
        let kernel = makeKernel()
        var out = [Double](repeating: 0, count: dimension)
        theta.withUnsafeBufferPointer { t in out.withUnsafeMutableBufferPointer { evaluate(t.baseAddress!, into: $0.baseAddress!, kernel: kernel) } }
        return out
    }

    /// The rule's (pseudo-)gradient g on the training set, before signs and projection.
    public func pseudoGradient(_ theta: [Double]) -> [Double] {
        let kernel = makeKernel()
        var g = [Double](repeating: 0, count: dimension)
        theta.withUnsafeBufferPointer { t in
            g.withUnsafeMutableBufferPointer { gradient(t.baseAddress!, into: $0.baseAddress!, kernel: kernel) }
        }
        return g
    }

    /// The loss whose gradient backpropagation follows: 1/2 mean e^2 for a linear output, the matching loss
    /// mean (Psi(a2) - y a2) for a nonlinear output psi (Psi' = psi).
    public func matchingLoss(_ theta: [Double]) -> Double {
        let w = TwoLayerWeights(shape: shape, flattened: theta)
        let train = problem.data.train
        if problem.activation.output == .linear { return problem.trainLoss(w) }
        let inner = NetworkActivation(hidden: problem.activation.hidden, output: .linear)
        let a2 = Network.outputs(of: w, activation: inner, on: train.inputs)
        let psi = problem.activation.output
        return zip(a2, train.targets).reduce(0) { $0 + psi.antiderivative($1.0) - $1.1 * $1.0 } / Double(train.count)
    }

    /// The ODE problem that integrates this flow from the problem's start up to `endTime`.
    public func odeProblem(endTime: Double) -> ODEProblem {
        ODEProblem(initialState: problem.start.flattened, endTime: endTime, vectorField: makeVectorField())
    }

    func gradient(_ theta: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>, kernel: FlowGradientKernel) {
        switch kernel {
        case .linear(let linear):
            linear.evaluate(theta: theta, into: g)
        case .perSample(let perSample):
            let train = problem.data.train
            _ = train.inputs.elements.withUnsafeBufferPointer { x in
                train.targets.withUnsafeBufferPointer { y in
                    perSample.evaluate(theta: theta, inputs: x.baseAddress!, targets: y.baseAddress!, count: train.count, into: g)
                }
            }
        }
    }

    func evaluate(_ theta: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>, kernel: FlowGradientKernel) {
        gradient(theta, into: out, kernel: kernel)
        mask.withUnsafeBufferPointer { s in for k in 0..<dimension { out[k] *= -s[k] } }
        if problem.normConstraint { problem.projectOntoNormSpheres(theta, out) }
    }
}

/// The full-batch gradient kernel of a flow: per sample (any network) or through the sufficient statistics (linear).
enum FlowGradientKernel {
    case perSample(BatchGradient)
    case linear(LinearFullBatchGradient)
}
