import NumericalKit

/// The rule-flip signs of node perturbation and LOCO: the core's `SignMatrices` in the column convention.
@available(*, deprecated, renamed: "SignMatrices")
public typealias PresynapticSigns = SignMatrices

/// The numerical rank of an update matrix (thin SVD; singular values above tolerance * max(m, n) * s_max).
/// A minibatch update (1/B) g^T X has rank <= min(B, n_out, n_in); sign flips D do not change it.
public func updateRank(_ g: Matrix, tolerance: Double = 1e-10) throws -> Int {
    try ThinSVD(g).numericalRank(relativeTolerance: tolerance)
}

/// The stability matrix of the linear one-hidden-layer curl-descent net M -> N -> 1 (curl-descent.md 2.2):
/// K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric), with W1 = weights[0], w2 = weights[1] and D1, D2 the signs
/// of layers 0 and 1.
public func curlStabilityMatrix(network: MLP, signs: SignMatrices) throws -> Matrix {
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
