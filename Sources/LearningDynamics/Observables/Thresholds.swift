import Foundation

/// When a logged loss curve first drops below a threshold, with the reference's conventions (curl-descent.md 5.1).
public enum Thresholds {
    /// The reference's floored log error log10(round(E, 15) + 1e-15), never below -15: numpy's np.round(E, 15)
    /// is rint(E * 1e15) / 1e15, so losses under 5e-16 count as 0.
    public static func flooredLog10(_ value: Double) -> Double {
        log10((value * 1e15).rounded(.toNearestOrEven) / 1e15 + 1e-15)
    }

    /// The first index whose floored log error is below log10(threshold), or nil if none is (NaN never is).
    public static func firstIndexBelow(threshold: Double, in values: [Double]) -> Int? {
        let limit = log10(threshold)
        return values.firstIndex { flooredLog10($0) < limit }
    }

    /// The index at which `values` first falls below `threshold`, or, by the reference's convention, the last
    /// index when it never does (`reached` false); nil for an empty curve.
    public static func crossing(threshold: Double, in values: [Double]) -> (index: Int, reached: Bool)? {
        guard !values.isEmpty else { return nil }
        return firstIndexBelow(threshold: threshold, in: values).map { ($0, true) } ?? (values.count - 1, false)
    }

    /// The logged epoch at which `losses` (one per entry of `loggedEpochs`) first falls below `threshold`.
    ///
    /// Reference convention: a curve that never gets there is counted at its last logged epoch (the reference's
    /// index -1, e.g. 99999 for 1e5 epochs), not dropped; `reached` tells the two cases apart.
    public static func epochsToThreshold(losses: [Double], loggedEpochs: [Int], threshold: Double) throws -> ThresholdCrossing {
        guard !losses.isEmpty, losses.count == loggedEpochs.count else {
            throw ParameterError(
                "need one logged epoch per loss and at least one, got \(losses.count) losses and \(loggedEpochs.count) epochs")
        }
        let c = crossing(threshold: threshold, in: losses)!
        return ThresholdCrossing(epoch: loggedEpochs[c.index], reached: c.reached)
    }
}

/// The epoch a loss curve crossed a threshold, or its last logged epoch when it never did (`reached` false).
public struct ThresholdCrossing: Equatable, Sendable {
    public let epoch: Int
    public let reached: Bool

    public init(epoch: Int, reached: Bool) {
        self.epoch = epoch
        self.reached = reached
    }
}
