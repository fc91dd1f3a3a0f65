import NumericalKit

/// Whose synapses a flip acts on. Column ("presynaptic", the reference's `col`): layer l's signs run over its n_{l-1}
/// input neurons and flip the synapses leaving them (columns of W_l): for M -> N -> 1, D1 over the inputs (columns
/// of W1) and D2 over the hidden neurons (columns of W2). Row ("postsynaptic"): layer l's signs run over its n_l
/// output neurons and flip the synapses arriving at them (rows of W_l): D1 over the hidden neurons' rows of W1 and
/// D2 over the single row of W2.
public enum FlipConvention: String, Sendable, CaseIterable, Codable {
    case column, row
}

/// How many neurons a rule flips: an absolute count or a fraction of the layer.
public enum FlipCount: Equatable, Sendable {
    case count(Int)
    case fraction(Double)

    /// The number of flipped neurons in a layer of `size`; a fraction alpha gives floor(alpha * size)
    /// (as the reference's int(M * alpha)), guarded against round-off just below an integer.
    public func resolved(layerSize size: Int, layerName: String) throws -> Int {
        switch self {
        case .count(let k):
            guard (0...size).contains(k) else {
                throw ParameterError("cannot flip \(k) \(layerName): the layer has \(size)")
            }
            return k
        case .fraction(let alpha):
            guard alpha >= 0, alpha <= 1 else {
                throw ParameterError("the fraction of flipped \(layerName) must lie in [0, 1], got \(alpha)")
            }
            return min(size, Int((alpha * Double(size) + 1e-9).rounded(.down)))
        }
    }

    public static let none = FlipCount.count(0)
}

/// Which neurons are flipped: the first k (the reference; with i.i.d. weights the choice does not
/// matter) or a seeded random subset of k.
public enum FlipSelection: String, Sendable, CaseIterable, Codable {
    case first, random
}

/// The rule-flip sign matrices of curl descent (curl-descent.md 1.2), one diagonal D_l = diag(d_l) of +-1 per layer,
/// for networks of any depth and for both papers: the signed update of layer l is G_l D_l in the column convention
/// (whole columns of G_l, the synapses leaving a flipped presynaptic neuron, change sign) and D_l G_l in the row
/// convention. Gradient descent is all +1. Works with any estimate of G_l (backpropagation, the flows' gradient,
/// node perturbation, LOCO), since it only acts on the update.
///
/// For the two-layer network M -> N -> 1 these are the theory's D1 and D2 (`d1`, `d2`): in the column convention
/// d1 has M entries and d2 has N; in the row convention d1 has N entries and d2 has 1.
public struct SignMatrices: Equatable, Sendable {
    /// d_l per layer, entries +-1 (index l: layer l's weights W_l, the spec's l + 1).
    public let layers: [[Double]]
    public let convention: FlipConvention

    /// Signs `layers` (entries +1 or -1, else a `ParameterError`).
    public init(layers: [[Double]], convention: FlipConvention = .column) throws {
        guard layers.allSatisfy({ $0.allSatisfy { $0 == 1 || $0 == -1 } }) else {
            throw ParameterError("sign matrices hold +1 and -1 only")
        }
        self.layers = layers
        self.convention = convention
    }

    /// The two-layer network's D1 and D2 (entries +-1; a precondition).
    public init(d1: [Double], d2: [Double], convention: FlipConvention = .column) {
        precondition((d1 + d2).allSatisfy { $0 == 1 || $0 == -1 }, "sign matrices hold +1 and -1 only")
        self.init(unchecked: [d1, d2], convention: convention)
    }

    init(unchecked layers: [[Double]], convention: FlipConvention = .column) {
        self.layers = layers
        self.convention = convention
    }

    /// D1 and D2 of the two-layer network (the first two layers' signs).
    public var d1: [Double] { layers[0] }
    public var d2: [Double] { layers[1] }

    /// The number of flipped neurons of layer l's signs.
    public func flippedCount(layer l: Int) -> Int { layers[l].count { $0 < 0 } }
    /// Flipped neurons in D1 and D2 (for the column convention: inputs and hidden neurons).
    public var flippedInputs: Int { flippedCount(layer: 0) }
    public var flippedHidden: Int { flippedCount(layer: 1) }
    /// No neuron flipped: the rule is gradient descent's.
    public var isGradient: Bool { layers.allSatisfy { $0.allSatisfy { $0 > 0 } } }

    /// d with d_j = -1 for j in `flipped`, else +1 (`count` entries).
    public static func signs(count: Int, flipped: [Int]) -> [Double] {
        var s = [Double](repeating: 1, count: count)
        for i in flipped { s[i] = -1 }
        return s
    }

    /// d with d_j = -1 for j < k, else +1 (n entries).
    public static func flippingFirst(_ k: Int, of n: Int) throws -> [Double] {
        guard n >= 0, k >= 0, k <= n else { throw ParameterError("cannot flip \(k) of \(n) neurons") }
        return signs(count: n, flipped: Array(0..<k))
    }

    /// D_l = I for every layer of `network` (gradient descent), column convention.
    public static func identity(for network: MLP) -> SignMatrices {
        SignMatrices(unchecked: network.widths.dropLast().map { [Double](repeating: 1, count: $0) })
    }

    /// Column-convention signs flipping the first `flipped[l]` presynaptic neurons of each layer l of `network`
    /// (as nAH_L1, nAH_L2 in curl-descent.md 1.2).
    public static func flippingFirst(_ flipped: [Int], of network: MLP) throws -> SignMatrices {
        guard flipped.count == network.layerCount else {
            throw ParameterError("need one flip count per layer (\(network.layerCount)), got \(flipped.count)")
        }
        return SignMatrices(unchecked: try zip(flipped, network.widths.dropLast()).map { try flippingFirst($0, of: $1) })
    }

    /// G D = G diag(signs): column j of `g` times signs[j] (the column convention's signed update).
    public static func apply(_ signs: [Double], to g: Matrix) -> Matrix {
        precondition(signs.count == g.columns, "need \(g.columns) signs, got \(signs.count)")
        var out = g
        let n = g.columns
        out.elements.withUnsafeMutableBufferPointer { p in
            for i in 0..<g.rows { for j in 0..<n where signs[j] < 0 { p[i * n + j] = -p[i * n + j] } }
        }
        return out
    }

    /// D G = diag(signs) G: row i of `g` times signs[i] (the row convention's signed update).
    public static func applyToRows(_ signs: [Double], of g: Matrix) -> Matrix {
        precondition(signs.count == g.rows, "need \(g.rows) signs, got \(signs.count)")
        var out = g
        let n = g.columns
        out.elements.withUnsafeMutableBufferPointer { p in
            for i in 0..<g.rows where signs[i] < 0 { for j in 0..<n { p[i * n + j] = -p[i * n + j] } }
        }
        return out
    }

    /// The signed update of layer l: G_l D_l (column convention) or D_l G_l (row convention).
    public func apply(to g: Matrix, layer: Int) throws -> Matrix {
        guard layer >= 0, layer < layers.count else { throw ParameterError("layer \(layer) out of range 0..<\(layers.count)") }
        let size = convention == .column ? g.columns : g.rows
        guard layers[layer].count == size else {
            throw ParameterError("layer \(layer) has \(layers[layer].count) signs but the update has \(size) \(convention == .column ? "columns" : "rows")")
        }
        return convention == .column ? Self.apply(layers[layer], to: g) : Self.applyToRows(layers[layer], of: g)
    }

    /// The signed updates of every layer (nil entries, e.g. unperturbed NP layers, stay nil).
    public func apply(to gradients: [Matrix?]) throws -> [Matrix?] {
        guard gradients.count == layers.count else {
            throw ParameterError("need \(layers.count) layer updates, got \(gradients.count)")
        }
        return try gradients.enumerated().map { l, g in try g.map { try apply(to: $0, layer: l) } }
    }
}
