import Foundation
import NumericalKit

/// A feed-forward network in the notation of loco.md section 1, with squared-error loss
/// L = 1/2 |y - y*|^2 per sample and the mean over a batch.
///
/// Layers are indexed from 0 in code: layer i (the spec's l = i + 1) has weights `weights[i]` of shape
/// n_{i+1} x n_i and maps the activity x_i (x_0 = input) to the pre-activation a_{i+1} = W x_i + b, then
/// x_{i+1} = f_i(a_{i+1}); the last layer is linear, so the output y = a_L. Batches are matrices whose rows
/// are samples, and every layer is one dgemm.
public struct MLP: Sendable, Equatable {
    /// n_0 (inputs), n_1, ..., n_L (outputs).
    public let widths: [Int]
    /// One nonlinearity per hidden layer (count L - 1).
    public let activations: [Activation]
    /// W_l, n_l x n_{l-1}, for l = 1..L (index l - 1).
    public var weights: [Matrix]
    /// b_l per layer, or nil for a network without biases (the default).
    public var biases: [[Double]]?

    /// Number of weight layers L.
    public var layerCount: Int { weights.count }
    public var inputCount: Int { widths[0] }
    public var outputCount: Int { widths[widths.count - 1] }

    public init(weights: [Matrix], activations: [Activation], biases: [[Double]]? = nil) throws {
        guard !weights.isEmpty else { throw ParameterError("a network needs at least one layer") }
        guard activations.count == weights.count - 1 else {
            throw ParameterError("\(weights.count) layers need \(weights.count - 1) hidden activations, got \(activations.count)")
        }
        var widths = [weights[0].columns]
        for (i, w) in weights.enumerated() {
            guard w.rows > 0, w.columns > 0 else { throw ParameterError("layer \(i) has an empty weight matrix") }
            guard w.columns == widths[i] else {
                throw ParameterError("layer \(i) takes \(w.columns) inputs but the layer below has \(widths[i]) units")
            }
            widths.append(w.rows)
        }
        if let biases {
            guard biases.count == weights.count, zip(biases, weights).allSatisfy({ $0.count == $1.rows }) else {
                throw ParameterError("biases must match the layer widths \(widths.dropFirst())")
            }
        }
        guard weights.allSatisfy({ $0.elements.allSatisfy(\.isFinite) }) else {
            throw ParameterError("weights contain NaN or infinite entries")
        }
        self.widths = widths
        self.activations = activations
        self.weights = weights
        self.biases = biases
    }

    /// A network of weights whose shapes the caller guarantees to chain (a precondition), unchecked for finiteness:
    /// a view such as LearningDynamics' `TwoLayerWeights` also holds the weights of a run that diverged.
    package init(unchecked weights: [Matrix], activations: [Activation]) {
        precondition(!weights.isEmpty && activations.count == weights.count - 1
                     && zip(weights, weights.dropFirst()).allSatisfy { $0.rows == $1.columns }, "layer shapes do not chain")
        widths = [weights[0].columns] + weights.map(\.rows)
        self.activations = activations
        self.weights = weights
        biases = nil
    }

    /// A network with W_l ~ N(0, scale^2 / n_{l-1}) entries drawn in layer order, row-major, from
    /// stream `role` of `seed`; biases (when on) ~ N(0, biasScale^2), drawn after all weights.
    public static func random(widths: [Int], activations: [Activation], scale: Double = 1, withBiases: Bool = false,
                              biasScale: Double = 0.1, seed: UInt64, role: StreamRole) throws -> MLP {
        guard widths.count >= 2, widths.allSatisfy({ $0 > 0 }) else {
            throw ParameterError("widths need at least 2 positive entries, got \(widths)")
        }
        guard scale.isFinite, scale >= 0 else { throw ParameterError("weight scale must be finite and >= 0") }
        let rng = RandomStream(seed: seed, role: role)
        let weights = (1..<widths.count).map { l in
            Matrix(rows: widths[l], columns: widths[l - 1],
                   elements: rng.gaussians(widths[l] * widths[l - 1], sigma: scale / Double(widths[l - 1]).squareRoot()))
        }
        let biases = withBiases ? (1..<widths.count).map { rng.gaussians(widths[$0], sigma: biasScale) } : nil
        return try MLP(weights: weights, activations: activations, biases: biases)
    }

    /// The nonlinearity after layer i (linear for the output layer).
    @inline(__always)
    public func activation(ofLayer i: Int) -> Activation { i < activations.count ? activations[i] : .linear }

    package func checkBatch(_ inputs: Matrix, _ targets: Matrix? = nil) throws {
        guard inputs.rows > 0, inputs.columns == inputCount else {
            throw ParameterError("inputs must be B x \(inputCount) with B >= 1, got \(inputs.rows) x \(inputs.columns)")
        }
        if let targets, targets.rows != inputs.rows || targets.columns != outputCount {
            throw ParameterError("targets must be \(inputs.rows) x \(outputCount), got \(targets.rows) x \(targets.columns)")
        }
    }
}

/// The activities and pre-activations of one forward pass over a batch (rows = samples).
public struct ForwardPass: Sendable {
    /// a_1..a_L (index i holds a_{i+1}, B x n_{i+1}); the last one is the output y.
    public var preActivations: [Matrix]
    /// x_0..x_L (x_0 = the inputs; x_L = y).
    public var activities: [Matrix]

    public var output: Matrix { activities[activities.count - 1] }
    public var batchSize: Int { activities[0].rows }

    /// Storage for a batch of `batchSize` samples (zeros).
    public init(network: MLP, batchSize: Int) {
        preActivations = network.widths.dropFirst().map { Matrix(rows: batchSize, columns: $0) }
        activities = network.widths.map { Matrix(rows: batchSize, columns: $0) }
    }

    /// Per-sample losses 1/2 |y_b - t_b|^2 written into `losses` (count B).
    public func sampleLosses(targets: Matrix, into losses: inout [Double]) {
        let y = output
        let n = y.columns
        for b in 0..<y.rows {
            var s = 0.0
            for k in 0..<n { let e = y.elements[b * n + k] - targets.elements[b * n + k]; s += e * e }
            losses[b] = 0.5 * s
        }
    }

    /// The batch loss mean_b 1/2 |y_b - t_b|^2.
    public func loss(targets: Matrix) -> Double {
        var losses = [Double](repeating: 0, count: batchSize)
        sampleLosses(targets: targets, into: &losses)
        return losses.reduce(0, +) / Double(batchSize)
    }
}

/// Where node noise enters: added to the pre-activation a_l (classic NP) or to the activity f(a_l)
/// (the LOCO 2024 code). The two coincide for the linear output layer.
public enum PerturbationPlacement: String, Sendable, CaseIterable {
    case preActivation
    case activity
}

extension MLP {
    /// Forward pass of a batch, reusing `pass`'s storage (it must have been made for this network and batch size).
    /// `noise[i]` (B x n_{i+1}), when given, is added times `noiseSign` at `placement` in layer i; the noise
    /// propagates to the layers above.
    public func forward(_ inputs: Matrix, noise: [Matrix?]? = nil, noiseSign: Double = 1,
                        placement: PerturbationPlacement = .preActivation, into pass: inout ForwardPass) {
        let batch = inputs.rows
        precondition(pass.batchSize == batch && pass.activities.count == widths.count, "forward-pass storage does not match")
        pass.activities[0].elements.withUnsafeMutableBufferPointer { dst in
            inputs.elements.withUnsafeBufferPointer { src in dst.baseAddress!.update(from: src.baseAddress!, count: src.count) }
        }
        for i in 0..<layerCount {
            let (n, m) = (widths[i + 1], widths[i])
            let f = activation(ofLayer: i)
            let xi = noise?[i]
            let bias = biases?[i]
            pass.preActivations[i].elements.withUnsafeMutableBufferPointer { a in
                pass.activities[i].elements.withUnsafeBufferPointer { x in
                    weights[i].elements.withUnsafeBufferPointer { w in
                        BLAS.gemm(transposeB: true, m: batch, n: n, k: m, alpha: 1, x.baseAddress!, w.baseAddress!, beta: 0, a.baseAddress!)
                    }
                }
                if let bias { for b in 0..<batch { for j in 0..<n { a[b * n + j] += bias[j] } } }
                if let xi, placement == .preActivation {
                    for k in 0..<(batch * n) { a[k] += noiseSign * xi.elements[k] }
                }
            }
            pass.activities[i + 1].elements.withUnsafeMutableBufferPointer { h in
                pass.preActivations[i].elements.withUnsafeBufferPointer { a in
                    if f == .linear {
                        h.baseAddress!.update(from: a.baseAddress!, count: batch * n)
                    } else {
                        for k in 0..<(batch * n) { h[k] = f.value(a[k]) }
                    }
                }
                if let xi, placement == .activity {
                    for k in 0..<(batch * n) { h[k] += noiseSign * xi.elements[k] }
                }
            }
        }
    }

    /// Clean forward pass of a batch.
    public func forward(_ inputs: Matrix) throws -> ForwardPass {
        try checkBatch(inputs)
        var pass = ForwardPass(network: self, batchSize: inputs.rows)
        forward(inputs, into: &pass)
        return pass
    }

    /// The outputs y (B x n_L) of a batch.
    public func outputs(_ inputs: Matrix) throws -> Matrix { try forward(inputs).output }

    /// The batch loss mean_b 1/2 |y_b - t_b|^2.
    public func loss(inputs: Matrix, targets: Matrix) throws -> Double {
        try checkBatch(inputs, targets)
        return try forward(inputs).loss(targets: targets)
    }
}

/// Exact gradients of the batch loss by backpropagation.
public struct Backpropagation: Sendable {
    /// The clean forward pass the gradients were taken at.
    public let pass: ForwardPass
    /// Per-sample g_l = dL_b/da_l (row b is sample b's gradient, *not* divided by B): the spec's g_l.
    public let nodeGradients: [Matrix]
    /// Per-sample u_l = dL_b/dh_l, the gradient with respect to the activity h_l = f(a_l), so that
    /// g_l = u_l * f'(a_l); equal to g_l for the (linear) output layer.
    public let activityGradients: [Matrix]
    /// dL/dW_l of the batch loss: G_l = (1/B) sum_b g_{l,b} x_{l-1,b}^T (n_l x n_{l-1}).
    public let weightGradients: [Matrix]
    /// dL/db_l = mean_b g_{l,b}, or nil without biases.
    public let biasGradients: [[Double]]?
    /// The batch loss.
    public let loss: Double
}

extension MLP {
    /// Backpropagation on a batch: g_L = y - t, g_l = (g_{l+1} W_{l+1}) * f'(a_l), then one dgemm per layer
    /// for G_l = (1/B) g_l^T X_{l-1}.
    public func backpropagate(inputs: Matrix, targets: Matrix) throws -> Backpropagation {
        try checkBatch(inputs, targets)
        let pass = try forward(inputs)
        let batch = inputs.rows
        var deltas = [Matrix](repeating: Matrix(rows: 0, columns: 0), count: layerCount)
        var activityGradients = deltas
        var top = pass.output
        for k in top.elements.indices { top.elements[k] -= targets.elements[k] }
        deltas[layerCount - 1] = top
        activityGradients[layerCount - 1] = top
        for i in stride(from: layerCount - 2, through: 0, by: -1) {
            var g = Matrix(rows: batch, columns: widths[i + 1])
            Matrix.gemm(deltas[i + 1], weights[i + 1], into: &g)
            activityGradients[i] = g
            let f = activations[i]
            if f != .linear {
                for k in g.elements.indices { g.elements[k] *= f.derivative(pass.preActivations[i].elements[k]) }
            }
            deltas[i] = g
        }
        let scale = 1 / Double(batch)
        let weightGradients = (0..<layerCount).map { i in
            var gw = Matrix(rows: widths[i + 1], columns: widths[i])
            Matrix.gemm(deltas[i], transposeA: true, pass.activities[i], alpha: scale, into: &gw)
            return gw
        }
        let biasGradients = biases == nil ? nil : deltas.map { d in
            (0..<d.columns).map { j in (0..<batch).reduce(0.0) { $0 + d[$1, j] } * scale }
        }
        return Backpropagation(pass: pass, nodeGradients: deltas, activityGradients: activityGradients, weightGradients: weightGradients,
                               biasGradients: biasGradients, loss: pass.loss(targets: targets))
    }
}
