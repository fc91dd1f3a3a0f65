import Foundation
import StudentTeacherCore
import Testing
import NumericalKit
import CurlTheory

// Finite random matrices against the limiting theory (the reference spec curl-descent.md sections 3, 4.1, 4.5):
// W1 with N(0, 1/M) entries and |w2|^2 = 1, K = D1 + W1^T D2 W1.

@Test func stabilityMatrixIsSignedGramPlusSignedIdentity() throws {
    let (m, n, k) = (7, 11, 3)
    for layer in FlipLayer.allCases {
        let sample = try SampledStabilityMatrix(layer: layer, inputs: m, hidden: n, seed: 5)
        let d1 = (0..<m).map { layer == .hidden && $0 < k ? -1.0 : 1 }
        let d2 = (0..<n).map { layer == .readout && $0 < k ? -1.0 : 1 }
        let expected = Matrix(rows: m, columns: m) { i, j in
            (i == j ? d1[i] : 0) + (0..<n).reduce(0) { $0 + sample.w1[$1, i] * d2[$1] * sample.w1[$1, j] }
        }
        #expect(Vector.maxAbsDifference(try sample.stabilityMatrix(flipped: k).elements, expected.elements) < 1e-12, "\(layer)")
    }
}

@Test func weightsHaveVarianceOneOverM() throws {
    let sample = try SampledStabilityMatrix(layer: .hidden, inputs: 200, hidden: 500, seed: 3)
    let variance = sample.w1.elements.reduce(0) { $0 + $1 * $1 } / Double(sample.w1.elements.count)
    #expect(abs(variance * 200 - 1) < 0.02)  // 1e5 entries: relative sampling error ~0.5%
}

@Test(arguments: FlipLayer.allCases)
func smallestEigenvalueNeverIncreasesWithTheFlipCount(layer: FlipLayer) throws {
    let sample = try SampledStabilityMatrix(layer: layer, inputs: 30, hidden: 60, seed: 11)
    let values = try (0...sample.flippableCount).map { try sample.smallestEigenvalue(flipped: $0) }
    #expect(values[0] >= 1, "gradient descent: K = I + W1^T W1")
    #expect(zip(values, values.dropFirst()).allSatisfy { $1 <= $0 + 1e-12 })
    // The Cholesky verdict is the eigenvalues' at every count, and bisection finds the same first sign change as the linear scan.
    #expect(try (0...sample.flippableCount).map { try sample.isUnstable(flipped: $0) } == values.map { $0 <= 0 })
    #expect(try sample.firstUnstableCount() == values.firstIndex { $0 < 0 })
}

/// lambda_min(K) at N = 1000 has the theory's sign 0.05 below and above alpha_c. At c = 0.3 (hidden) the margin is
/// small for M = 300 (theory +-0.045, finite-size spread ~0.025 per draw), so the verdict is the mean over draws.
/// The mean is also near the limit of lambda_min, within 0.1 of the spectrum's scale max(1, 1/c): edges shift by
/// O(M^{-2/3}) of that scale at finite size.
@Test(arguments: [(FlipLayer.hidden, 0.3, 8), (.hidden, 0.4, 2), (.hidden, 0.5, 2), (.readout, 0.1, 2), (.readout, 0.3, 2), (.readout, 1, 1)])
func smallestEigenvalueHasTheTheorysSignAroundTheBoundary(layer: FlipLayer, c: Double, draws: Int) throws {
    let hidden = 1000
    let inputs = Int((c * Double(hidden)).rounded())
    let alphaC = try CriticalFraction.value(c: c, layer: layer)
    let samples = try (0..<draws).map { try SampledStabilityMatrix(layer: layer, inputs: inputs, hidden: hidden, seed: 2024, draw: UInt64($0)) }
    for alpha in [max(0, alphaC - 0.05), alphaC + 0.05] {
        let count = Int((alpha * Double(samples[0].flippableCount)).rounded())
        let values = try samples.map { try $0.smallestEigenvalue(flipped: count) }
        let mean = values.reduce(0, +) / Double(draws)
        let predicted = layer == .hidden ? try HiddenFlipSpectrum(c: c, alpha: alpha).smallestEigenvalue
                                         : try ReadoutFlipSpectrum(c: c, alpha: alpha).smallestEigenvalue
        #expect((mean > 0) == (alpha < alphaC), "\(layer) c = \(c), alpha = \(alpha): lambda_min \(values), theory \(predicted)")
        #expect(abs(mean - predicted) < 0.1 * max(1, 1 / c), "\(layer) c = \(c), alpha = \(alpha): lambda_min \(values), theory \(predicted)")
    }
}

@Test func stableWithEveryInputFlippedBelowAQuarter() throws {
    // Section 4.5: c = 0.2, alpha = 1 gives lambda_min = +0.54; the limit is (1 - sqrt c)^2/c - 1 = 0.528.
    let sample = try SampledStabilityMatrix(layer: .hidden, inputs: 200, hidden: 1000, seed: 8)
    #expect(try sample.firstUnstableCount() == nil)
    #expect(abs(try sample.smallestEigenvalue(flipped: 200) - (try HiddenFlipSpectrum(c: 0.2, alpha: 1).smallestEigenvalue)) < 0.05)
    let estimate = try empiricalCriticalFraction(layer: .hidden, c: 0.2, hidden: 1000, draws: 1)
    #expect(estimate.fractions == [1] && estimate.firstUnstableCounts == [nil])
}

@Test(arguments: [(FlipLayer.hidden, 0.4, 1000), (.readout, 0.3, 1000), (.readout, 1, 400)])
func empiricalCriticalFractionIsNearTheClosedForm(layer: FlipLayer, c: Double, hidden: Int) throws {
    let estimate = try empiricalCriticalFraction(layer: layer, c: c, hidden: hidden, draws: 2)
    let theory = try CriticalFraction.value(c: c, layer: layer)
    #expect(estimate.fractions.count == 2 && estimate.summary.count == 2)
    #expect(abs(estimate.summary.mean - theory) < 0.03, "\(layer) c = \(c): \(estimate.fractions) vs \(theory)")
    print("empirical alpha_c \(layer) c = \(c), N = \(estimate.hidden), M = \(estimate.inputs): \(estimate.summary.mean) +- \(estimate.summary.standardDeviation) vs \(theory)")
}

@Test func badFiniteSizeParametersAreRejected() throws {
    #expect(throws: ParameterError.self) { try SampledStabilityMatrix(layer: .hidden, inputs: 0, hidden: 10, seed: 1) }
    let sample = try SampledStabilityMatrix(layer: .readout, inputs: 5, hidden: 10, seed: 1)
    #expect(throws: ParameterError.self) { try sample.stabilityMatrix(flipped: 11) }
    #expect(throws: ParameterError.self) { try sample.stabilityMatrix(flipped: -1) }
    #expect(throws: ParameterError.self) { try empiricalCriticalFraction(layer: .hidden, c: -1, hidden: 10, draws: 1) }
    #expect(throws: ParameterError.self) { try empiricalCriticalFraction(layer: .hidden, c: 0.5, hidden: 10, draws: 0) }
}
