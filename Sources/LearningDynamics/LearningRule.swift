import NumericalKit

/// The two-layer network's sign matrices (the core's `SignMatrices`) on a `NetworkShape`: constructors and the masks
/// that multiply the flattened update theta = [vec(W1), W2].
extension SignMatrices {
    /// The first `flippedInputs` inputs and the first `flippedHidden` hidden neurons flipped, column convention.
    public init(shape: NetworkShape, flippedInputs: Int, flippedHidden: Int) {
        precondition((0...shape.inputs).contains(flippedInputs) && (0...shape.hidden).contains(flippedHidden))
        self.init(d1: Self.signs(count: shape.inputs, flipped: Array(0..<flippedInputs)),
                  d2: Self.signs(count: shape.hidden, flipped: Array(0..<flippedHidden)))
    }

    public static func identity(_ shape: NetworkShape) -> SignMatrices { SignMatrices(shape: shape, flippedInputs: 0, flippedHidden: 0) }

    /// S restricted to W1, as an N x M row-major mask multiplying the update of W1.
    public func mask1(_ shape: NetworkShape) -> [Double] {
        (0..<shape.hidden).flatMap { i in (0..<shape.inputs).map { j in convention == .column ? d1[j] : d1[i] } }
    }

    /// The W1 mask as an outer product r c^T (r: N values over hidden rows, c: M values over input columns):
    /// column convention r = 1, c = d1; row convention r = d1, c = 1. `mask1` is its row-major expansion.
    public func factoredMask1(_ shape: NetworkShape) -> (rows: [Double], columns: [Double]) {
        switch convention {
        case .column: (Array(repeating: 1, count: shape.hidden), d1)
        case .row: (d1, Array(repeating: 1, count: shape.inputs))
        }
    }

    /// S restricted to W2, a length-N mask multiplying the update of W2.
    public func mask2(_ shape: NetworkShape) -> [Double] {
        (0..<shape.hidden).map { i in convention == .column ? d2[i] : d2[0] }
    }

    /// S over all weights theta = [vec(W1), W2].
    public func mask(_ shape: NetworkShape) -> [Double] { mask1(shape) + mask2(shape) }
}

/// A learning rule dtheta/dt = -S g(theta): g the loss gradient (backpropagation) or its feedback-alignment
/// version (the hidden layer's error arrives through a fixed random vector), S the sign matrices of
/// rule-flipped neurons (../shared/reference/curl-descent.md sections 1.2 and 2.1).
public struct LearningRule: Equatable, Sendable {
    public enum Feedback: Equatable, Sendable {
        case backpropagation
        /// Direct feedback alignment: delta1 = (B e) * phi'(a1) with B ~ scale * U(-1/sqrt N, 1/sqrt N), drawn from the seed.
        case random(scale: Double)
    }

    public var feedback: Feedback
    public var flippedInputs: FlipCount
    public var flippedHidden: FlipCount
    public var convention: FlipConvention
    public var selection: FlipSelection
    /// Short name for tables and files: gd, curl, dfa, dfa-curl.
    public var name: String

    public init(feedback: Feedback, flippedInputs: FlipCount, flippedHidden: FlipCount, convention: FlipConvention = .column,
                selection: FlipSelection = .first, name: String) {
        self.feedback = feedback
        self.flippedInputs = flippedInputs
        self.flippedHidden = flippedHidden
        self.convention = convention
        self.selection = selection
        self.name = name
    }

    public static let gradientDescent = LearningRule(feedback: .backpropagation, flippedInputs: .none, flippedHidden: .none, name: "gd")

    /// Curl descent: updates of synapses leaving rule-flipped input neurons (D1) and hidden neurons (D2) change sign.
    public static func curl(flippedInputs: FlipCount, flippedHidden: FlipCount, convention: FlipConvention = .column,
                            selection: FlipSelection = .first) -> LearningRule {
        LearningRule(feedback: .backpropagation, flippedInputs: flippedInputs, flippedHidden: flippedHidden,
                     convention: convention, selection: selection, name: "curl")
    }

    /// Direct feedback alignment, optionally with rule-flipped neurons ("Feedback Alignment + Curl descent").
    public static func feedbackAlignment(flippedInputs: FlipCount = .none, flippedHidden: FlipCount = .none, scale: Double = 1,
                                         convention: FlipConvention = .column, selection: FlipSelection = .first) -> LearningRule {
        let flips = flippedInputs != .none || flippedHidden != .none
        return LearningRule(feedback: .random(scale: scale), flippedInputs: flippedInputs, flippedHidden: flippedHidden,
                            convention: convention, selection: selection, name: flips ? "dfa-curl" : "dfa")
    }

    /// The sign matrices on a network of `shape`; a random selection draws from the seed's flip stream.
    public func signs(for shape: NetworkShape, seed: UInt64 = 0) throws -> SignMatrices {
        let (size1, size2) = convention == .column ? (shape.inputs, shape.hidden) : (shape.hidden, 1)
        let (name1, name2) = convention == .column ? ("input neurons", "hidden neurons") : ("hidden neurons' incoming rows", "output rows")
        let k1 = try flippedInputs.resolved(layerSize: size1, layerName: name1)
        let k2 = try flippedHidden.resolved(layerSize: size2, layerName: name2)
        let stream = selection == .random ? RandomStream(seed: seed, role: SeedStream.flips) : nil
        func chosen(_ k: Int, of n: Int) -> [Int] {
            guard let stream else { return Array(0..<k) }
            var order = Array(0..<n)  // partial Fisher-Yates: the first k of a seeded permutation
            for i in 0..<k { order.swapAt(i, i + stream.integer(below: n - i)) }
            return Array(order[0..<k])
        }
        return SignMatrices(d1: SignMatrices.signs(count: size1, flipped: chosen(k1, of: size1)),
                            d2: SignMatrices.signs(count: size2, flipped: chosen(k2, of: size2)), convention: convention)
    }

    /// The feedback vector of a feedback-alignment rule (nil for backpropagation), drawn from the seed.
    public func feedbackVector(hidden n: Int, seed: UInt64) -> [Double]? {
        guard case .random(let scale) = feedback else { return nil }
        let bound = scale / Double(n).squareRoot()
        return RandomStream(seed: seed, role: SeedStream.feedback).uniforms(n, -bound, bound)
    }
}
