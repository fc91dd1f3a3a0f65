import NumericalKit

/// Weights of a two-layer network: W1 (N x M, row i = synapses onto hidden neuron i) and the readout W2 (1 x N).
///
/// A view of the core's `MLP` M -> N -> 1 without biases: `network` holds the weights (W1 = `weights[0]`, W2 =
/// `weights[1]`) and `w1`, `w2` read them, so that both papers' code shares one network type. The hidden nonlinearity
/// belongs to the flow that uses the weights, not to the weights: views compare by their weights alone, and
/// `network(hidden:)` sets a nonlinearity. Flattened as theta = [vec(W1) row-major, W2], the order the learning
/// flows integrate.
public struct TwoLayerWeights: Equatable, Sendable {
    /// The network whose weights these are.
    public let network: MLP

    /// W1, N x M.
    public var w1: Matrix { network.weights[0] }
    /// W2 as a plain vector of N readout weights.
    public var w2: [Double] { network.weights[1].elements }

    public init(w1: Matrix, w2: [Double]) {
        precondition(w1.rows == w2.count, "W1 has \(w1.rows) rows but W2 has \(w2.count) entries")
        network = MLP(unchecked: [w1, Matrix(rows: 1, columns: w2.count, elements: w2)], activations: [.linear])
    }

    /// The two-layer view of an M -> N -> 1 `MLP` without biases (it keeps the network's hidden nonlinearity).
    public init(_ network: MLP) throws {
        guard network.layerCount == 2, network.outputCount == 1, network.biases == nil else {
            throw ParameterError("two-layer weights need an M -> N -> 1 network without biases, got widths \(network.widths)")
        }
        self.init(viewing: network)
    }

    /// The view of a network known to be M -> N -> 1 without biases.
    init(viewing network: MLP) {
        precondition(network.layerCount == 2 && network.outputCount == 1 && network.biases == nil, "not a two-layer network")
        self.network = network
    }

    public static func == (a: TwoLayerWeights, b: TwoLayerWeights) -> Bool { a.w1 == b.w1 && a.w2 == b.w2 }

    public init(shape: NetworkShape, flattened theta: [Double]) {
        precondition(theta.count == shape.parameterCount)
        let nm = shape.hidden * shape.inputs
        self.init(w1: Matrix(rows: shape.hidden, columns: shape.inputs, elements: Array(theta[0..<nm])),
                  w2: Array(theta[nm...]))
    }

    public var shape: NetworkShape { try! NetworkShape(inputs: w1.columns, hidden: w1.rows) }

    public var flattened: [Double] { w1.elements + w2 }

    /// The same network rescaled to |W1|_F = sqrt(N) and |W2| = 1, the normalisation of the random-matrix theory
    /// (the reference's normalised teacher).
    public var normalized: TwoLayerWeights {
        let a = Double(w1.rows).squareRoot() / w1.frobeniusNorm
        let b = 1 / Vector.norm(w2)
        return TwoLayerWeights(w1: Matrix(rows: w1.rows, columns: w1.columns, elements: w1.elements.map { $0 * a }), w2: w2.map { $0 * b })
    }

    /// The end-to-end linear map W2 W1 (a row of length M).
    public var endToEnd: [Double] { w1.transposed * w2 }

    /// The network with `hidden` on its hidden layer and a linear output. An output nonlinearity
    /// (`NetworkActivation.output`) has no place in an `MLP`.
    public func network(hidden activation: Activation) -> MLP {
        MLP(unchecked: network.weights, activations: [activation])
    }
}

/// How weights are drawn, following the reference: W1 entries at scale r/sqrt(M), W2 entries at scale r/sqrt(N).
public enum WeightInitialization: Equatable, Sendable {
    /// W1 ~ U(-r/sqrt(M), r/sqrt(M)), W2 ~ U(-r/sqrt(N), r/sqrt(N)).
    case uniform(scale: Double)
    /// W1 ~ N(0, (r/sqrt(M))^2), W2 ~ N(0, (r/sqrt(N))^2).
    case normal(scale: Double)

    public var scale: Double {
        switch self {
        case .uniform(let r), .normal(let r): r
        }
    }

    public func validate() throws {
        guard scale > 0, scale.isFinite else {
            throw ParameterError("the initialisation scale must be positive and finite, got \(scale)")
        }
    }

    /// Draws W1 then W2 from `stream`.
    public func draw(_ shape: NetworkShape, from stream: RandomStream) -> TwoLayerWeights {
        let s1 = scale / Double(shape.inputs).squareRoot()
        let s2 = scale / Double(shape.hidden).squareRoot()
        let n1 = shape.hidden * shape.inputs
        let (e1, e2): ([Double], [Double])
        switch self {
        case .uniform:
            e1 = stream.uniforms(n1, -s1, s1)
            e2 = stream.uniforms(shape.hidden, -s2, s2)
        case .normal:
            e1 = stream.gaussians(n1, sigma: s1)
            e2 = stream.gaussians(shape.hidden, sigma: s2)
        }
        return TwoLayerWeights(w1: Matrix(rows: shape.hidden, columns: shape.inputs, elements: e1), w2: e2)
    }
}

/// Where the student starts.
public enum StudentStart: Equatable, Sendable {
    /// Drawn afresh.
    case random(WeightInitialization)
    /// On the teacher (a point of the zero-error manifold), every weight shifted by N(0, perturbation^2).
    case nearTeacher(perturbation: Double)
    /// On the teacher with every W1 entry shifted by `w1` and every W2 entry by `w2`: the reference's exact starts
    /// (+1e-15 on W1 for its readout-flip maps, +1e-10 on W2 for its q curves), which draw nothing.
    case teacherShifted(w1: Double, w2: Double)
}

/// A teacher and a student start drawn reproducibly from one seed by the reference's protocol: the teacher from
/// stream 0 and the student from stream 1, so changing how the student starts never changes the teacher.
///
/// The pair is the core's `StudentTeacher` (both papers' one setup type), seen as two-layer weights.
public struct StudentTeacherPair: Equatable, Sendable {
    /// The teacher and student networks.
    public let setup: StudentTeacher

    public var teacher: TwoLayerWeights { TwoLayerWeights(viewing: setup.teacher) }
    public var student: TwoLayerWeights { TwoLayerWeights(viewing: setup.student) }

    /// A teacher of `teacherHidden` hidden neurons (default: the student's width) and a student of `shape`.
    /// `normalizedTeacher` rescales the drawn teacher (see `TwoLayerWeights.normalized`) before the student is placed.
    public init(shape: NetworkShape, teacherHidden: Int? = nil, teacher teacherInit: WeightInitialization, normalizedTeacher: Bool = false,
                student start: StudentStart, seed: UInt64) throws {
        try teacherInit.validate()
        let teacherShape = try NetworkShape(inputs: shape.inputs, hidden: teacherHidden ?? shape.hidden)
        let drawn = teacherInit.draw(teacherShape, from: RandomStream(seed: seed, role: SeedStream.teacher))
        let teacher = normalizedTeacher ? drawn.normalized : drawn
        let student: TwoLayerWeights
        let stream = RandomStream(seed: seed, role: SeedStream.student)
        switch start {
        case .random(let initialization):
            try initialization.validate()
            student = initialization.draw(shape, from: stream)
        case .nearTeacher(let perturbation):
            guard teacherShape == shape else {
                throw ParameterError("a student can start on the teacher only when both have \(shape.hidden) hidden neurons")
            }
            guard perturbation >= 0, perturbation.isFinite else {
                throw ParameterError("the perturbation off the teacher must be non-negative, got \(perturbation)")
            }
            let theta = teacher.flattened.map { $0 + (perturbation > 0 ? stream.gaussian(sigma: perturbation) : 0) }
            student = TwoLayerWeights(shape: shape, flattened: theta)
        case .teacherShifted(let a, let b):
            guard teacherShape == shape else {
                throw ParameterError("a student can start on the teacher only when both have \(shape.hidden) hidden neurons")
            }
            guard a.isFinite, b.isFinite else { throw ParameterError("the shifts off the teacher must be finite") }
            student = TwoLayerWeights(w1: Matrix(rows: shape.hidden, columns: shape.inputs, elements: teacher.w1.elements.map { $0 + a }),
                                      w2: teacher.w2.map { $0 + b })
        }
        setup = try StudentTeacher(teacher: teacher.network, student: student.network)
    }
}
