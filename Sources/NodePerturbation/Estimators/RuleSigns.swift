import NumericalKit

/// The rule-flip sign matrices of curl descent (curl-descent.md 1.2), column ("presynaptic") convention: per
/// layer l a vector d_l of +-1 over the presynaptic neurons (n_{l-1} entries), and the signed update of layer
/// l is G_l D_l with D_l = diag(d_l), i.e. the updates of all synapses leaving a rule-flipped presynaptic
/// neuron change sign (whole columns of G_l). For the one-hidden-layer net M -> N -> 1 these are D1 (M x M,
/// over the inputs) and D2 (N x N, over the hidden neurons). Works with any estimate of G_l (NP, LOCO,
/// backpropagation), since it only acts on the update.
public struct PresynapticSigns: Sendable, Equatable {
    /// d_l per layer (index l holds the signs over the n_l inputs of layer l), entries +-1.
    public let layers: [[Double]]

    public init(layers: [[Double]]) throws {
        guard layers.allSatisfy({ $0.allSatisfy { $0 == 1 || $0 == -1 } }) else {
            throw PerturbationError.invalidArgument("presynaptic signs must be +1 or -1")
        }
        self.layers = layers
    }

    /// D_l = I for every layer of `network` (plain gradient descent / NP).
    public static func identity(for network: MLP) -> PresynapticSigns {
        PresynapticSigns(unchecked: network.widths.dropLast().map { [Double](repeating: 1, count: $0) })
    }

    /// Signs flipping the first `k` of the presynaptic neurons of each layer of `network` (`flipped[l]` for
    /// layer l, as nAH_L1, nAH_L2 in curl-descent.md 1.2).
    public static func flippingFirst(_ flipped: [Int], of network: MLP) throws -> PresynapticSigns {
        guard flipped.count == network.layerCount else {
            throw PerturbationError.invalidArgument("need one flip count per layer (\(network.layerCount)), got \(flipped.count)")
        }
        return PresynapticSigns(unchecked: try zip(flipped, network.widths.dropLast()).map { try flippingFirst($0, of: $1) })
    }

    /// d with d_j = -1 for j < k, else +1 (n entries).
    public static func flippingFirst(_ k: Int, of n: Int) throws -> [Double] {
        guard n >= 0, k >= 0, k <= n else { throw PerturbationError.invalidArgument("cannot flip \(k) of \(n) neurons") }
        return (0..<n).map { $0 < k ? -1 : 1 }
    }

    private init(unchecked layers: [[Double]]) { self.layers = layers }

    /// G D = G diag(signs): column j of `g` times signs[j].
    public static func apply(_ signs: [Double], to g: Matrix) -> Matrix {
        precondition(signs.count == g.columns, "need \(g.columns) signs, got \(signs.count)")
        var out = g
        let n = g.columns
        out.elements.withUnsafeMutableBufferPointer { p in
            for i in 0..<g.rows { for j in 0..<n where signs[j] < 0 { p[i * n + j] = -p[i * n + j] } }
        }
        return out
    }

    /// G_l D_l for layer l.
    public func apply(to g: Matrix, layer: Int) throws -> Matrix {
        guard layer >= 0, layer < layers.count else { throw PerturbationError.invalidArgument("layer \(layer) out of range 0..<\(layers.count)") }
        guard layers[layer].count == g.columns else {
            throw PerturbationError.invalidArgument("layer \(layer) has \(layers[layer].count) signs but the update has \(g.columns) columns")
        }
        return Self.apply(layers[layer], to: g)
    }

    /// The signed updates of every layer (nil entries, e.g. unperturbed NP layers, stay nil).
    public func apply(to gradients: [Matrix?]) throws -> [Matrix?] {
        guard gradients.count == layers.count else {
            throw PerturbationError.invalidArgument("need \(layers.count) layer updates, got \(gradients.count)")
        }
        return try gradients.enumerated().map { l, g in try g.map { try apply(to: $0, layer: l) } }
    }
}

/// The numerical rank of an update matrix (thin SVD; singular values above tolerance * max(m, n) * s_max).
/// A minibatch update (1/B) g^T X has rank <= min(B, n_out, n_in); sign flips D do not change it.
public func updateRank(_ g: Matrix, tolerance: Double = 1e-10) throws -> Int {
    try ThinSVD(g).numericalRank(relativeTolerance: tolerance)
}

/// The stability matrix of the linear one-hidden-layer curl-descent net M -> N -> 1 (curl-descent.md 2.2):
/// K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric), with W1 = weights[0], w2 = weights[1] and D1, D2 the signs
/// of layers 0 and 1.
public func curlStabilityMatrix(network: MLP, signs: PresynapticSigns) throws -> Matrix {
    guard network.layerCount == 2, network.outputCount == 1, network.activations == [.linear] else {
        throw PerturbationError.invalidArgument("the stability matrix needs a linear M -> N -> 1 network, got widths \(network.widths)")
    }
    guard signs.layers.count == 2, signs.layers[0].count == network.widths[0], signs.layers[1].count == network.widths[1] else {
        throw PerturbationError.invalidArgument("signs do not match the network widths \(network.widths)")
    }
    let w1 = network.weights[0]
    let w2 = network.weights[1].elements
    let (n, m) = (w1.rows, w1.columns)
    let w2Squared = w2.reduce(0) { $0 + $1 * $1 }
    let d1 = signs.layers[0], d2 = signs.layers[1]
    return Matrix(rows: m, columns: m) { i, j in
        var s = i == j ? w2Squared * d1[i] : 0
        for k in 0..<n { s += w1[k, i] * d2[k] * w1[k, j] }
        return s
    }
}
