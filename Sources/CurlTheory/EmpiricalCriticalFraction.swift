import NumericalKit
import StudentTeacherCore

/// The critical fraction measured on finite random matrices, over several independent draws of W1.
public struct EmpiricalCriticalFraction: Sendable {
    public let layer: FlipLayer
    public let inputs: Int
    public let hidden: Int
    /// Per draw: the first unstable flip count divided by the number of flippable neurons (as the reference's masks
    /// report it, curl-descent.md section 4.2), or 1 when the draw stays stable with every neuron flipped.
    /// The critical fraction of that draw lies in ((k - 1)/n, k/n].
    public let fractions: [Double]
    /// Per draw: the first unstable count, nil when never unstable.
    public let firstUnstableCounts: [Int?]
    /// Mean, standard deviation and standard error of `fractions`.
    public let summary: SampleSummary

    /// Draws `draws` matrices W1 (N = `hidden`, M = `inputs`) from draws 0..<draws of `seed` and
    /// bisects each on the flip count (exact, since lambda_min(K) is monotone in k for a fixed draw).
    public init(layer: FlipLayer, inputs: Int, hidden: Int, draws: Int, seed: UInt64 = 1) throws {
        guard draws >= 1 else { throw ParameterError("need at least one draw, got \(draws)") }
        var counts: [Int?] = []
        var fractions: [Double] = []
        for draw in 0..<draws {
            let sample = try SampledStabilityMatrix(layer: layer, inputs: inputs, hidden: hidden, seed: seed, draw: UInt64(draw))
            let k = try sample.firstUnstableCount()
            counts.append(k)
            fractions.append(k.map { Double($0) / Double(sample.flippableCount) } ?? 1)
        }
        self.layer = layer
        self.inputs = inputs
        self.hidden = hidden
        self.fractions = fractions
        firstUnstableCounts = counts
        summary = try SampleSummary(fractions)
    }

    /// The same at c = M/N with N = `hidden` and M = round(c N).
    public init(layer: FlipLayer, c: Double, hidden: Int, draws: Int, seed: UInt64 = 1) throws {
        try Validate.ratio(c)
        let inputs = Int((c * Double(hidden)).rounded())
        try self.init(layer: layer, inputs: inputs, hidden: hidden, draws: draws, seed: seed)
    }

    /// The ratio actually simulated, M/N.
    public var ratio: Double { Double(inputs) / Double(hidden) }
}

/// The critical fraction of `layer` measured at c = M/N on `draws` finite draws with N = `hidden`
/// (see `EmpiricalCriticalFraction`).
public func empiricalCriticalFraction(layer: FlipLayer, c: Double, hidden: Int, draws: Int, seed: UInt64 = 1) throws
    -> EmpiricalCriticalFraction
{
    try EmpiricalCriticalFraction(layer: layer, c: c, hidden: hidden, draws: draws, seed: seed)
}
