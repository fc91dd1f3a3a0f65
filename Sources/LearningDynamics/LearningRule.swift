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
                throw LearningDynamicsError.invalidParameter("cannot flip \(k) \(layerName): the layer has \(size)")
            }
            return k
        case .fraction(let alpha):
            guard alpha >= 0, alpha <= 1 else {
                throw LearningDynamicsError.invalidParameter("the fraction of flipped \(layerName) must lie in [0, 1], got \(alpha)")
            }
            return min(size, Int((alpha * Double(size) + 1e-9).rounded(.down)))
        }
    }
}

/// The diagonals of the sign matrices D1 (M x M, flips columns of W1: synapses leaving input neuron j)
/// and D2 (N x N, flips columns of W2: synapses leaving hidden neuron i). Gradient descent is all +1.
public struct SignMatrices: Equatable, Sendable {
    public let d1: [Double]
    public let d2: [Double]

    public init(d1: [Double], d2: [Double]) {
        precondition((d1 + d2).allSatisfy { $0 == 1 || $0 == -1 }, "sign matrices hold +1 and -1 only")
        self.d1 = d1
        self.d2 = d2
    }

    /// The first `flippedInputs` inputs and the first `flippedHidden` hidden neurons flipped (reference convention;
    /// with i.i.d. weights which ones are flipped does not matter).
    public init(shape: NetworkShape, flippedInputs: Int, flippedHidden: Int) {
        precondition((0...shape.inputs).contains(flippedInputs) && (0...shape.hidden).contains(flippedHidden))
        d1 = (0..<shape.inputs).map { $0 < flippedInputs ? -1 : 1 }
        d2 = (0..<shape.hidden).map { $0 < flippedHidden ? -1 : 1 }
    }

    public var flippedInputs: Int { d1.count { $0 < 0 } }
    public var flippedHidden: Int { d2.count { $0 < 0 } }
    public var isGradient: Bool { flippedInputs == 0 && flippedHidden == 0 }
}

/// A learning rule of the form dtheta/dt = -S grad L with S a diagonal sign matrix over the weights.
public enum LearningRule: Equatable, Sendable {
    case gradientDescent
    /// Curl descent: updates of synapses leaving rule-flipped input neurons (D1) and hidden neurons (D2) change sign.
    case curl(flippedInputs: FlipCount, flippedHidden: FlipCount)

    public var name: String {
        switch self {
        case .gradientDescent: "gd"
        case .curl: "curl"
        }
    }

    public func signs(for shape: NetworkShape) throws -> SignMatrices {
        switch self {
        case .gradientDescent:
            return SignMatrices(shape: shape, flippedInputs: 0, flippedHidden: 0)
        case .curl(let inputs, let hidden):
            return SignMatrices(
                shape: shape,
                flippedInputs: try inputs.resolved(layerSize: shape.inputs, layerName: "input neurons"),
                flippedHidden: try hidden.resolved(layerSize: shape.hidden, layerName: "hidden neurons"))
        }
    }
}
