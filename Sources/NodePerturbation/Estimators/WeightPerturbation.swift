import NumericalKit

/// Weight perturbation (WP, loco.md 2.3) for comparison: Psi_l ~ N(0, sigma^2 I) on the weights of the
/// perturbed layers (one Psi per draw, shared by the whole batch), delta L = L_batch(W + Psi) - L_batch(W)
/// (or the antithetic (L(W + Psi) - L(W - Psi)) / 2), and G-hat_l = (delta L / sigma^2) Psi_l.
/// Biases are not perturbed.
public struct WeightPerturbationEstimator: Sendable {
    public let sigma: Double
    public let layers: PerturbedLayers
    public let antithetic: Bool

    public init(sigma: Double, layers: PerturbedLayers = .all, antithetic: Bool = false) throws {
        guard sigma.isFinite, sigma > 0 else { throw ParameterError("sigma must be finite and > 0, got \(sigma)") }
        self.sigma = sigma
        self.layers = layers
        self.antithetic = antithetic
    }

    /// Psi_l (n_l x n_{l-1}) for every layer, in layer order, row-major, from draw `draw` of `seed` (role `NPStreams.weightNoise`).
    public func noise(network: MLP, seed: UInt64, draw: UInt64) -> [Matrix] {
        let rng = RandomStream(seed: seed, role: NPStreams.weightNoise, index: draw)
        return network.weights.map { Matrix(rows: $0.rows, columns: $0.columns, elements: rng.gaussians($0.elements.count, sigma: sigma)) }
    }

    /// One draw with caller-supplied noise; nil entries for layers that were not perturbed.
    public func estimate(network: MLP, inputs: Matrix, targets: Matrix, noise: [Matrix]) throws -> [Matrix?] {
        try network.checkBatch(inputs, targets)
        guard noise.count == network.layerCount, zip(noise, network.weights).allSatisfy({ $0.rows == $1.rows && $0.columns == $1.columns }) else {
            throw ParameterError("WP noise must match every weight matrix's shape")
        }
        let perturbed = try layers.indices(layerCount: network.layerCount)
        func shifted(_ sign: Double) -> MLP {
            var net = network
            for l in perturbed { for k in net.weights[l].elements.indices { net.weights[l].elements[k] += sign * noise[l].elements[k] } }
            return net
        }
        let up = try shifted(1).loss(inputs: inputs, targets: targets)
        let delta = antithetic ? 0.5 * (up - (try shifted(-1).loss(inputs: inputs, targets: targets)))
                               : up - (try network.loss(inputs: inputs, targets: targets))
        let c = delta / (sigma * sigma)
        var out = [Matrix?](repeating: nil, count: network.layerCount)
        for l in perturbed { out[l] = Matrix(rows: noise[l].rows, columns: noise[l].columns, elements: noise[l].elements.map { $0 * c }) }
        return out
    }

    /// Monte Carlo over `draws` draws (draw firstDraw + k for the k-th); per-layer statistics of vec(G-hat_l).
    public func sample(network: MLP, inputs: Matrix, targets: Matrix, draws: Int, seed: UInt64, firstDraw: UInt64 = 0,
                       keepDraws: Bool = false) throws -> [DrawStatistics?] {
        guard draws >= 2 else { throw ParameterError("a Monte Carlo sample needs R >= 2 draws, got \(draws)") }
        let perturbed = try layers.indices(layerCount: network.layerCount)
        var collected = perturbed.map { _ in [[Double]]() }
        for k in 0..<draws {
            let e = try estimate(network: network, inputs: inputs, targets: targets,
                                 noise: noise(network: network, seed: seed, draw: firstDraw &+ UInt64(k)))
            for (slot, l) in perturbed.enumerated() { collected[slot].append(e[l]!.elements) }
        }
        var result = [DrawStatistics?](repeating: nil, count: network.layerCount)
        for (slot, l) in perturbed.enumerated() { result[l] = try DrawStatistics(collected[slot], keepDraws: keepDraws) }
        return result
    }
}
