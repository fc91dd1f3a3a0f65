import Foundation
import Testing
import LearningDynamics

@Test func flooredLogMatchesNumpy() {
    // np.log10(np.round(E, 15) + 1e-15) printed by numpy 2.4.
    #expect(Thresholds.flooredLog10(0) == -15)
    #expect(Thresholds.flooredLog10(4e-16) == -15, "rounds to 0 at 15 decimals")
    #expect(Thresholds.flooredLog10(6e-16) == -14.698970004336019)
    #expect(Thresholds.flooredLog10(0.000999) == -3.000434511773583)
    #expect(Thresholds.flooredLog10(1e-3) == -2.9999999999995657, "the +1e-15 lifts 1e-3 just above -3")
    #expect(Thresholds.flooredLog10(12.345) == 1.0914910942679512)
    // np.round rounds halves to even: 0.5e-15 -> 0, 2.5e-15 -> 2e-15, 3.5e-15 -> 4e-15.
    #expect(Thresholds.flooredLog10(0.5e-15) == -15)
    #expect(Thresholds.flooredLog10(2.5e-15) == Thresholds.flooredLog10(2e-15))
    #expect(Thresholds.flooredLog10(3.5e-15) == -14.301029995663981)
    #expect(Thresholds.flooredLog10(1e300) == .infinity, "E * 1e15 overflows, as in numpy")
}

@Test func firstIndexBelowUsesTheFlooredComparison() {
    let losses = [0.5, 2e-2, 1e-3, 9.99999999999e-4, 9.99e-4, 1e-5, 2e-3]
    // 1e-3 is not below 1e-3, and neither is 1e-3 - 1e-15: after adding 1e-15 its log is exactly -3.
    #expect(Thresholds.firstIndexBelow(threshold: 1e-3, in: losses) == 4)
    #expect(Thresholds.firstIndexBelow(threshold: 1, in: losses) == 0)
    #expect(Thresholds.firstIndexBelow(threshold: 1e-6, in: losses) == nil)
    #expect(Thresholds.firstIndexBelow(threshold: 1e-3, in: []) == nil)
    #expect(Thresholds.firstIndexBelow(threshold: 1e-3, in: [.nan, .infinity, 1e-4]) == 2, "NaN never counts")
    // Losses that vanish (exactly or below 5e-16) reach any threshold above 1e-15, and none at or below it.
    #expect(Thresholds.firstIndexBelow(threshold: 1.1e-15, in: [1e-3, 0]) == 1)
    #expect(Thresholds.firstIndexBelow(threshold: 1e-15, in: [1e-3, 0]) == nil)
}

@Test func epochsToThresholdReportsTheLoggedEpoch() throws {
    let epochs = LogSpacedEpochs.indices(epochs: 100, points: 10)  // [0, 1, 2, 4, 7, 12, 21, 35, 59, 99]
    let losses = [1.0, 0.5, 0.2, 0.1, 5e-2, 1e-2, 4e-3, 8e-4, 1e-4, 1e-6]
    let crossing = try Thresholds.epochsToThreshold(losses: losses, loggedEpochs: epochs, threshold: 1e-3)
    #expect(crossing == ThresholdCrossing(epoch: 35, reached: true))
    // Already below at the first entry.
    #expect(try Thresholds.epochsToThreshold(losses: losses, loggedEpochs: epochs, threshold: 2) == ThresholdCrossing(epoch: 0, reached: true))
}

@Test func neverReachedCountsAsTheLastLoggedEpoch() throws {
    // The reference's convention: index -1, i.e. nb_epochs - 1 (99999 for 1e5 epochs), counted rather than dropped.
    let epochs = LogSpacedEpochs.indices(epochs: 100_000, points: 100)
    let losses = Array(repeating: 0.2, count: epochs.count)
    let crossing = try Thresholds.epochsToThreshold(losses: losses, loggedEpochs: epochs, threshold: 1e-3)
    #expect(crossing.epoch == 99_999)
    #expect(!crossing.reached)
    // Reaching it exactly at the last entry gives the same epoch but is reported as reached.
    let late = try Thresholds.epochsToThreshold(losses: losses.dropLast() + [1e-4], loggedEpochs: epochs, threshold: 1e-3)
    #expect(late == ThresholdCrossing(epoch: 99_999, reached: true))
}

@Test func epochsToThresholdRejectsMismatchedInput() {
    #expect(throws: ParameterError.self) { try Thresholds.epochsToThreshold(losses: [1, 2], loggedEpochs: [0], threshold: 1e-3) }
    #expect(throws: ParameterError.self) { try Thresholds.epochsToThreshold(losses: [], loggedEpochs: [], threshold: 1e-3) }
}
