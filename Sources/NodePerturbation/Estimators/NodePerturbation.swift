import NumericalKit

/// Which layers receive noise in one draw (layer indices from 0, the spec's l = index + 1).
public enum PerturbedLayers: Sendable, Equatable {
    /// Every layer at once, independent noise per layer (loco.md 2.1: the LOCO setting).
    case all
    /// Only this layer.
    case layer(Int)
    /// The first k layers (0..<k), as in a sweep over the number of perturbed layers.
    case first(Int)

    func indices(layerCount: Int) throws -> [Int] {
        switch self {
        case .all: return Array(0..<layerCount)
        case .first(let k):
            guard k >= 1, k <= layerCount else {
                throw ParameterError("cannot perturb the first \(k) of \(layerCount) layers")
            }
            return Array(0..<k)
        case .layer(let i):
            guard i >= 0, i < layerCount else {
                throw ParameterError("perturbed layer \(i) out of range 0..<\(layerCount)")
            }
            return [i]
        }
    }
}

/// The node noise of one draw: xi_l (B x n_l, entries N(0, sigma^2)) for *every* layer, drawn in layer order,
/// row-major (sample by sample), from one `RandomStream`. Drawing all layers even when only one is perturbed
/// means layer l's noise is the same whether one or all layers are perturbed (common random numbers).
public struct PerturbationNoise: Sendable {
    public var layers: [Matrix]

    public init(layers: [Matrix]) { self.layers = layers }

    /// Noise for `network` and a batch of `batchSize`: draw `draw` of `seed` (role `NPStreams.nodeNoise`).
    public init(network: MLP, batchSize: Int, sigma: Double, seed: UInt64, draw: UInt64) {
        self.init(network: network, batchSize: batchSize, sigma: sigma, stream: RandomStream(seed: seed, role: NPStreams.nodeNoise, index: draw))
    }

    /// Noise drawn from the caller's stream (which advances by B * sum_l n_l draws).
    public init(network: MLP, batchSize: Int, sigma: Double, stream: RandomStream) {
        layers = network.widths.dropFirst().map { Matrix(rows: batchSize, columns: $0) }
        redraw(sigma: sigma, stream: stream)
    }

    /// Refills the storage in place (no allocation).
    public mutating func redraw(sigma: Double, stream: RandomStream) {
        for l in layers.indices {
            layers[l].elements.withUnsafeMutableBufferPointer { p in
                for k in p.indices { p[k] = stream.gaussian(sigma: sigma) }
            }
        }
    }
}

/// One NP draw on a batch (loco.md 2.1): per-sample estimates of g_l and the minibatch estimate of G_l.
public struct NodePerturbationEstimate: Sendable {
    /// The perturbed layers, ascending.
    public let perturbedLayers: [Int]
    /// delta L_b per sample: L_b(xi) - L_b(0), or (L_b(xi) - L_b(-xi)) / 2 for the antithetic variant.
    public var lossDifferences: [Double]
    /// Per-sample g-hat_{l,b} = (delta L_b / sigma^2) xi_{l,b} (times f'(a_l) for activity noise), B x n_l;
    /// nil for layers that were not perturbed.
    public var nodeGradients: [Matrix?]
    /// G-hat_l = (1/B) sum_b g-hat_{l,b} x_{l-1,b}^T with the clean presynaptic activity (n_l x n_{l-1}); nil
    /// for layers that were not perturbed (and for all layers when the caller asked for node factors only).
    public var weightGradients: [Matrix?]
    /// The clean pass's activities x_0 (the inputs), ..., x_L (the output), B rows each: the presynaptic
    /// factors, so that callers need no second forward pass.
    public let activities: [Matrix]
    /// mean_b g-hat_{l,b} for networks with biases (nil entries for unperturbed layers), else nil.
    public var biasGradients: [[Double]?]?

    /// G-hat with the presynaptic factor replaced by `presynaptic` (B x n_{l-1}, row b = P_b x_{l-1,b}): the
    /// projected estimate (1/B) sum_b g-hat_b (P_b x_b)^T of loco.md 5.3, from the same noise.
    public func weightGradient(layer: Int, presynaptic: Matrix) throws -> Matrix {
        guard layer >= 0, layer < nodeGradients.count, let g = nodeGradients[layer] else {
            throw ParameterError("layer \(layer) was not perturbed in this estimate")
        }
        guard presynaptic.rows == g.rows else {
            throw ParameterError("presynaptic factor needs \(g.rows) rows, got \(presynaptic.rows)")
        }
        var out = Matrix(rows: g.columns, columns: presynaptic.columns)
        Matrix.gemm(g, transposeA: true, presynaptic, alpha: 1 / Double(g.rows), into: &out)
        return out
    }
}

/// The node-perturbation gradient estimator of loco.md section 2.1.
///
/// Per draw: the clean pass (shared by all draws of a batch), one perturbed pass (two, +xi and -xi, when
/// antithetic), the per-sample loss difference broadcast to every perturbed layer, and one rank-B dgemm
/// G-hat_l = (1/B) g-hat_l^T X_{l-1} per layer. Unbiased to first order in sigma (2.2); the closed-form
/// variances are in `NPVariance`.
public struct NodePerturbationEstimator: Sendable {
    public let sigma: Double
    public let layers: PerturbedLayers
    public let placement: PerturbationPlacement
    /// Central difference (L(xi) - L(-xi)) / 2 instead of L(xi) - L(0): removes the even-order Taylor terms
    /// of delta L (the 1/2 xi^T H xi variance term) at the cost of a second perturbed pass.
    public let antithetic: Bool

    /// The perturbation sizes accepted. Node activities are of order 1: below 1e-8 the loss difference (of order
    /// sigma) drowns in the round-off of losses of order 1 and sigma^2 heads for underflow; above 1e3 the
    /// perturbation swamps the activity it perturbs (and squares of the noise head for overflow), so the estimate
    /// no longer estimates a gradient.
    public static let sigmaRange = 1e-8...1e3

    public init(sigma: Double, layers: PerturbedLayers = .all, placement: PerturbationPlacement = .preActivation,
                antithetic: Bool = false) throws {
        guard Self.sigmaRange.contains(sigma) else {
            throw ParameterError("sigma must lie in \(Self.sigmaRange.lowerBound)...\(Self.sigmaRange.upperBound), got \(sigma)")
        }
        self.sigma = sigma
        self.layers = layers
        self.placement = placement
        self.antithetic = antithetic
    }

    /// Noise for draw `draw` of `seed` (stream `draw` of role `NPStreams.nodeNoise`; see `PerturbationNoise`).
    public func noise(network: MLP, batchSize: Int, seed: UInt64, draw: UInt64) -> PerturbationNoise {
        PerturbationNoise(network: network, batchSize: batchSize, sigma: sigma, seed: seed, draw: draw)
    }

    /// One draw with caller-supplied noise (common random numbers across variants).
    public func estimate(network: MLP, inputs: Matrix, targets: Matrix, noise: PerturbationNoise) throws -> NodePerturbationEstimate {
        let workspace = try Workspace(estimator: self, network: network, inputs: inputs, targets: targets)
        try workspace.check(noise)
        return workspace.estimate(noise)
    }

    /// One draw with the noise of draw `draw` of `seed` (role `NPStreams.nodeNoise`).
    public func estimate(network: MLP, inputs: Matrix, targets: Matrix, seed: UInt64, draw: UInt64) throws -> NodePerturbationEstimate {
        try estimate(network: network, inputs: inputs, targets: targets, noise: noise(network: network, batchSize: inputs.rows, seed: seed, draw: draw))
    }

    /// Monte Carlo over `draws` draws; draw k uses node-noise draw firstDraw + k of `seed`, so the result does not depend
    /// on `threads`. Returns, per layer, statistics of vec(G-hat_l) (row-major), nil for unperturbed layers;
    /// `keepDraws` keeps every draw in them (for `DrawStatistics.hotelling`).
    public func sample(network: MLP, inputs: Matrix, targets: Matrix, draws: Int, seed: UInt64, firstDraw: UInt64 = 0,
                       threads: Int = 1, keepDraws: Bool = false) throws -> [DrawStatistics?] {
        guard draws >= 2 else { throw ParameterError("a Monte Carlo sample needs R >= 2 draws, got \(draws)") }
        let perturbed = try layers.indices(layerCount: network.layerCount)
        let chunks = max(1, min(threads, draws))
        let estimator = self
        let pieces = try parallelMap(chunks, threads: chunks) { c -> [[[Double]]] in
            let workspace = try Workspace(estimator: estimator, network: network, inputs: inputs, targets: targets)
            var noise = estimator.noise(network: network, batchSize: inputs.rows, seed: seed, draw: firstDraw)
            var out = perturbed.map { _ in [[Double]]() }
            for k in stride(from: c, to: draws, by: chunks) {
                noise.redraw(sigma: estimator.sigma, stream: RandomStream(seed: seed, role: NPStreams.nodeNoise, index: firstDraw &+ UInt64(k)))
                let e = workspace.estimate(noise)
                for (slot, l) in perturbed.enumerated() { out[slot].append(e.weightGradients[l]!.elements) }
            }
            return out
        }
        // Restore draw order k = 0, 1, ... (chunk c holds k = c, c + chunks, ...).
        var result = [DrawStatistics?](repeating: nil, count: network.layerCount)
        for (slot, l) in perturbed.enumerated() {
            var ordered = [[Double]]()
            ordered.reserveCapacity(draws)
            for k in 0..<draws { ordered.append(pieces[k % chunks][slot][k / chunks]) }
            result[l] = try DrawStatistics(ordered, keepDraws: keepDraws)
        }
        return result
    }

    /// Buffers for repeated draws on one batch: the clean pass is computed once, perturbed passes reuse storage.
    /// Not thread-safe: one per task.
    final class Workspace {
        let estimator: NodePerturbationEstimator
        let network: MLP
        let inputs: Matrix
        let targets: Matrix
        let perturbed: [Int]
        let clean: ForwardPass
        var cleanLosses: [Double]
        var plus: ForwardPass
        var minus: ForwardPass
        var plusLosses: [Double]
        var minusLosses: [Double]
        /// f'(a_l) of the clean pass, for activity noise.
        var slopes: [Matrix?]

        init(estimator: NodePerturbationEstimator, network: MLP, inputs: Matrix, targets: Matrix) throws {
            try network.checkBatch(inputs, targets)
            guard inputs.elements.allSatisfy(\.isFinite), targets.elements.allSatisfy(\.isFinite) else {
                throw ParameterError("inputs or targets contain NaN or infinite entries")
            }
            self.estimator = estimator
            self.network = network
            self.inputs = inputs
            self.targets = targets
            perturbed = try estimator.layers.indices(layerCount: network.layerCount)
            let b = inputs.rows
            var pass = ForwardPass(network: network, batchSize: b)
            network.forward(inputs, into: &pass)
            clean = pass
            cleanLosses = [Double](repeating: 0, count: b)
            clean.sampleLosses(targets: targets, into: &cleanLosses)
            plus = pass
            minus = pass
            plusLosses = cleanLosses
            minusLosses = cleanLosses
            slopes = (0..<network.layerCount).map { i in
                let f = network.activation(ofLayer: i)
                guard estimator.placement == .activity, f != .linear else { return nil }
                var s = pass.preActivations[i]
                for k in s.elements.indices { s.elements[k] = f.derivative(s.elements[k]) }
                return s
            }
        }

        func check(_ noise: PerturbationNoise) throws {
            guard noise.layers.count == network.layerCount,
                  zip(noise.layers, network.widths.dropFirst()).allSatisfy({ $0.rows == inputs.rows && $0.columns == $1 }) else {
                throw ParameterError("noise must hold one B x n_l matrix per layer (B = \(inputs.rows), widths \(Array(network.widths.dropFirst())))")
            }
        }

        /// One draw; `formingWeightGradients: false` leaves `weightGradients` nil for callers that only use the
        /// node factors (the variance study) or their own presynaptic factors.
        func estimate(_ noise: PerturbationNoise, formingWeightGradients: Bool = true) -> NodePerturbationEstimate {
            let b = inputs.rows
            let placement = estimator.placement
            var selected = [Matrix?](repeating: nil, count: network.layerCount)
            for l in perturbed { selected[l] = noise.layers[l] }
            network.forward(inputs, noise: selected, noiseSign: 1, placement: placement, into: &plus)
            plus.sampleLosses(targets: targets, into: &plusLosses)
            var delta = [Double](repeating: 0, count: b)
            if estimator.antithetic {
                network.forward(inputs, noise: selected, noiseSign: -1, placement: placement, into: &minus)
                minus.sampleLosses(targets: targets, into: &minusLosses)
                for s in 0..<b { delta[s] = 0.5 * (plusLosses[s] - minusLosses[s]) }
            } else {
                for s in 0..<b { delta[s] = plusLosses[s] - cleanLosses[s] }
            }
            let inverseVariance = 1 / (estimator.sigma * estimator.sigma)
            var nodeGradients = [Matrix?](repeating: nil, count: network.layerCount)
            var weightGradients = [Matrix?](repeating: nil, count: network.layerCount)
            var biasGradients: [[Double]?]? = network.biases == nil ? nil : Array(repeating: nil, count: network.layerCount)
            for l in perturbed {
                var g = noise.layers[l]
                let n = g.columns
                g.elements.withUnsafeMutableBufferPointer { p in
                    for s in 0..<b {
                        let c = delta[s] * inverseVariance
                        for j in 0..<n { p[s * n + j] *= c }
                    }
                    if let slope = slopes[l] { for k in p.indices { p[k] *= slope.elements[k] } }
                }
                if formingWeightGradients {
                    var gw = Matrix(rows: n, columns: network.widths[l])
                    Matrix.gemm(g, transposeA: true, clean.activities[l], alpha: 1 / Double(b), into: &gw)
                    weightGradients[l] = gw
                }
                if biasGradients != nil {
                    biasGradients![l] = (0..<n).map { j in (0..<b).reduce(0.0) { $0 + g.elements[$1 * n + j] } / Double(b) }
                }
                nodeGradients[l] = g
            }
            return NodePerturbationEstimate(perturbedLayers: perturbed, lossDifferences: delta, nodeGradients: nodeGradients,
                                            weightGradients: weightGradients, activities: clean.activities, biasGradients: biasGradients)
        }
    }
}
