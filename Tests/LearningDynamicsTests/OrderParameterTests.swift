import Foundation
import NumericalKit
import Testing
import LearningDynamics

@Test func constantTrajectoryHasZeroOrderParameter() throws {
    // 0.1 summed three times is not 0.3, so only the reference's second centring makes this exactly 0.
    let w = [0.1, -2.7, 3.3, 1e-3]
    #expect(try OrderParameter.q(window: Array(repeating: w, count: 3)) == 0)
    #expect(try OrderParameter.q(window: Array(repeating: w, count: 999)) == 0)
}

@Test func oscillationAroundKnownCentresGivesTheHandValue() throws {
    // w_i(t_k) = c_i + a sin(2 pi k / T): over a full period sin averages to 0 and sin^2 to 1/2, so
    // w̄ = c, mean (w - w̄)^2 = a^2 / 2 and Var(c) = 1.25 for c = 1, 2, 3, 4: q = 0.09 / 2 / 1.25 = 0.036.
    let c = [1.0, 2, 3, 4], a = 0.3, period = 8
    let window = (0..<period).map { k in c.map { $0 + a * sin(2 * Double.pi * Double(k) / Double(period)) } }
    #expect(abs(try OrderParameter.q(window: window) - 0.036) <= 1e-14)
}

@Test func scalingAllWeightsLeavesTheOrderParameterUnchanged() throws {
    let stream = RandomStream(seed: 7)
    let window = (0..<50).map { _ in (0..<12).map { _ in stream.gaussian() } }
    let q = try OrderParameter.q(window: window)
    #expect(q > 0)
    for scale in [1e-6, 3.0, -250.0] {
        let scaled = try OrderParameter.q(window: window.map { $0.map { $0 * scale } })
        #expect(abs(scaled / q - 1) <= 1e-12, "scale \(scale)")
    }
}

@Test func nanEntriesAreSkippedLikeTheReference() throws {
    // The third component is NaN throughout and drops out; the rest by hand: squared deviations
    // 0, 1/4, 1/4 and 1/4, 0, 1/4 (mean 1/6), time means 1 and 2.5 (population variance 9/16): q = 8/27.
    let allNaN = [[1.0, 2, .nan], [1.5, 2.5, .nan], [0.5, 3, .nan]]
    #expect(abs(try OrderParameter.q(window: allNaN) - 8.0 / 27) <= 1e-15)
    // Scattered NaNs; reference value from the reference's own numpy lines
    // (nanmean over time, centre twice, nanmean(c**2) / nanvar(time means)): 0.20180311182201544.
    let scattered = [[1.0, 2, 0.5], [1.5, .nan, 0.25], [0.5, 2.5, 1], [1.25, 3, .nan]]
    #expect(abs(try OrderParameter.q(window: scattered) - 0.20180311182201544) <= 1e-14)
}

@Test func orderParameterRejectsMalformedWindows() {
    #expect(throws: ParameterError.self) { try OrderParameter.q(window: []) }
    #expect(throws: ParameterError.self) { try OrderParameter.q(window: [[], []]) }
    #expect(throws: ParameterError.self) { try OrderParameter.q(window: [[1, 2], [1, 2, 3]]) }
}
