import Foundation

/// The reference's logging grid: the 0-based epochs after which the losses are recorded (curl-descent.md 2.1).
public enum LogSpacedEpochs {
    /// `np.unique(np.round(np.geomspace(1, epochs, points)).astype(int)) - 1`, step by step as numpy does it:
    /// geomspace is 10^linspace(0, log10(epochs)) with both endpoints then set exactly, and np.round rounds
    /// halves to even. The result is strictly increasing with at most `points` entries (early grid points
    /// collide after rounding); it starts at 0 and, for points >= 2, ends at epochs - 1 (one point is epoch 0 only).
    /// Requires epochs >= 1 and points >= 0.
    public static func indices(epochs: Int, points: Int) -> [Int] {
        precondition(epochs >= 1, "the number of epochs must be positive, got \(epochs)")
        precondition(points >= 0, "the number of points must be non-negative, got \(points)")
        guard points > 0 else { return [] }
        let logStop = log10(Double(epochs))
        let step = points > 1 ? logStop / Double(points - 1) : 0
        var values = (0..<points).map { k in pow(10, Double(k) * step) }
        values[0] = 1
        if points > 1 { values[points - 1] = Double(epochs) }
        let rounded = values.map { Int($0.rounded(.toNearestOrEven)) }
        return Array(Set(rounded)).sorted().map { $0 - 1 }
    }
}
