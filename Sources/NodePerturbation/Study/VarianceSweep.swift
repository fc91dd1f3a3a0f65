import NumericalKit

/// The quantity a `VarianceSweep` varies.
public enum SweepParameter: String, CaseIterable, Sendable {
    /// Hidden width n of a network with one hidden layer (the base configuration's depth is ignored).
    case width
    /// Number of hidden layers (all of the base hidden width).
    case depth
    /// Number k of perturbed layers: the first k layers (0..<k) get noise; k = 1 is layer 0 alone, k = L all.
    case layers
    /// Perturbation size sigma.
    case sigma
    /// Rank r of a seeded random projector of layer 0's presynaptic input (r = n_0 is the identity).
    case rank

    /// A sensible default sweep for the base configuration.
    public func defaultValues(for base: VarianceSweep.Configuration = .init()) -> [Double] {
        switch self {
        case .width: [4, 8, 16, 32, 64]
        case .depth: [1, 2, 3, 4, 6]
        case .layers: (1...(base.depth + 1)).map(Double.init)
        case .sigma: [1e-4, 1e-3, 1e-2, 1e-1, 0.3, 1]
        case .rank: Array(Set([1, 2, 4, 8, base.inputs / 2, base.inputs].filter { $0 >= 1 && $0 <= base.inputs })).sorted().map(Double.init)
        }
    }

    /// Whether the values are spread over decades (for log axes in figures).
    public var isLogarithmic: Bool { self == .width || self == .sigma }
}

/// One point of a sweep: the Monte Carlo trace variance E|G-hat_0 - E G-hat_0|^2 of layer 0's NP estimate
/// (over R draws) with its standard error, and the linearised closed form of loco.md 2.3 / 5.1.
public struct SweepPoint: Sendable, Equatable {
    public let value: Double
    public let monteCarlo: Double
    public let standardError: Double
    public let closedForm: Double

    public init(value: Double, monteCarlo: Double, standardError: Double, closedForm: Double) {
        self.value = value
        self.monteCarlo = monteCarlo
        self.standardError = standardError
        self.closedForm = closedForm
    }

    /// |MC - closed form| / se.
    public var standardizedDeviation: Double { abs(monteCarlo - closedForm) / standardError }
}

/// Sweeps of the NP weight-space variance of layer 0 (loco.md 2.3 and 5.1): a seeded random tanh student
/// MLP, inputs x ~ N(0, I), targets from a seeded random tanh teacher of the same shape, one fixed batch, and
/// R draws of pre-activation node noise (draw k: node-noise draw k of the seed).
public enum VarianceSweep {
    /// The base configuration; the swept parameter overrides one of its fields per point.
    public struct Configuration: Sendable, Equatable {
        /// n_0, n (every hidden layer), n_L.
        public var inputs = 8
        public var hidden = 8
        public var outputs = 4
        /// Hidden layers (the network has depth + 1 weight layers).
        public var depth = 1
        public var batchSize = 8
        public var sigma = 1e-3
        /// Perturbed layers 0..<k; nil: all.
        public var perturbedLayers: Int? = nil
        /// Rank of layer 0's presynaptic projector; nil: no projection (P = I).
        public var rank: Int? = nil
        public var draws = 500
        public var seed: UInt64 = 0

        public init() {}
    }

    /// Runs the sweep of `parameter` over `values` (integers for width, depth, layers and rank).
    public static func run(parameter: SweepParameter, values: [Double], base: Configuration = .init()) throws -> [SweepPoint] {
        guard !values.isEmpty else { throw ParameterError("a sweep needs at least one value") }
        return try values.map { value in
            var c = base
            func integer() throws -> Int {
                guard value.isFinite, value >= 1, value == value.rounded(), value < 1e6 else {
                    throw ParameterError("\(parameter.rawValue) values must be positive integers, got \(value)")
                }
                return Int(value)
            }
            switch parameter {
            case .width: c.hidden = try integer(); c.depth = 1
            case .depth: c.depth = try integer()
            case .layers: c.perturbedLayers = try integer()
            case .sigma: c.sigma = value
            case .rank: c.rank = try integer()
            }
            return try point(value: value, configuration: c)
        }
    }

    /// One sweep point for a complete configuration.
    public static func point(value: Double, configuration c: Configuration) throws -> SweepPoint {
        guard c.inputs >= 1, c.hidden >= 1, c.outputs >= 1, c.depth >= 0, c.batchSize >= 1 else {
            throw ParameterError("sizes must be positive (inputs \(c.inputs), hidden \(c.hidden), outputs \(c.outputs), batch \(c.batchSize)) and depth >= 0")
        }
        guard c.draws >= 2 else { throw ParameterError("a Monte Carlo sweep needs R >= 2 draws, got \(c.draws)") }
        let widths = [c.inputs] + Array(repeating: c.hidden, count: c.depth) + [c.outputs]
        let layerCount = widths.count - 1
        let k = c.perturbedLayers ?? layerCount
        guard (1...layerCount).contains(k) else {
            throw ParameterError("perturbed layers must lie in 1...\(layerCount), got \(k)")
        }
        if let r = c.rank, !(1...c.inputs).contains(r) {
            throw ParameterError("projection rank must lie in 1...\(c.inputs), got \(r)")
        }
        let activations = Array(repeating: Activation.tanh, count: c.depth)
        let setup = try StudentTeacherBatch(teacherWidths: widths, teacherActivations: activations, studentWidths: widths,
                                            studentActivations: activations, batchSize: c.batchSize, seed: c.seed)
        let (student, x, targets) = (setup.student, setup.inputs, setup.targets)

        // Layer 0's presynaptic rows P x_b: a seeded random orthonormal basis of rank r.
        let projected: Matrix?
        if let r = c.rank {
            let a = Matrix(rows: c.inputs, columns: r, elements: RandomStream(seed: c.seed, role: NPStreams.subspaceDirections).gaussians(c.inputs * r))
            projected = try SubspaceProjector(spanning: a).apply(x)
        } else {
            projected = nil
        }

        // Closed form (linearised): v_b = n_0 sum_{m<k} |g_m|^2 + |g_0|^2, tr Cov = (1/B^2) sum_b v_b |P x_b|^2.
        let backprop = try student.backpropagate(inputs: x, targets: targets)
        let v = try NPVariance.nodeVariances(layer: 0, layers: .first(k), backprop: backprop)
        let closedForm = NPVariance.weightTraceVariance(nodeVariances: v, presynaptic: x, projected: projected)

        // Monte Carlo: all layers' noise drawn every time (common random numbers), only the first k applied.
        let estimator = try NodePerturbationEstimator(sigma: c.sigma, layers: .first(k))
        let workspace = try NodePerturbationEstimator.Workspace(estimator: estimator, network: student, inputs: x, targets: targets)
        var noise = PerturbationNoise(network: student, batchSize: c.batchSize, sigma: c.sigma, seed: c.seed, draw: 0)
        var draws = [[Double]]()
        draws.reserveCapacity(c.draws)
        for d in 0..<c.draws {
            noise.redraw(sigma: c.sigma, stream: RandomStream(seed: c.seed, role: NPStreams.nodeNoise, index: UInt64(d)))
            let e = workspace.estimate(noise)
            if let projected {
                draws.append(try e.weightGradient(layer: 0, presynaptic: projected).elements)
            } else {
                draws.append(e.weightGradients[0]!.elements)
            }
        }
        let statistics = try DrawStatistics(draws)
        guard statistics.traceVariance.isFinite, statistics.traceVarianceStandardError.isFinite, closedForm.isFinite else {
            throw NonFiniteResultError("the sweep point at \(value) (Monte Carlo variance \(statistics.traceVariance), closed form \(closedForm))")
        }
        return SweepPoint(value: value, monteCarlo: statistics.traceVariance, standardError: statistics.traceVarianceStandardError,
                          closedForm: closedForm)
    }
}
