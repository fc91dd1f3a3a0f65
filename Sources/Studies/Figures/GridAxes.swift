import Foundation

/// The reference's grid axes, computed as numpy computes them so that sizes truncated with int() (N = int(220 / (1 + c)))
/// come out exactly as in the reference's argLists: linspace(a, b, n) = k (b - a)/(n - 1) + a with the last point set
/// to b, and logspace(a, b, n) = 10 ** linspace(a, b, n).
public enum GridAxis {
    public static func linspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        guard count > 1 else { return count == 1 ? [start] : [] }
        let step = (stop - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? stop : Double($0) * step + start }
    }

    public static func logspace(_ start: Double, _ stop: Double, _ count: Int) -> [Double] {
        linspace(start, stop, count).map { pow(10, $0) }
    }

    /// The reference's sizes at ratio c for a budget of `total` neurons: M = int(total / (1 + 1/c)) inputs and
    /// N = int(total / (1 + c)) hidden neurons (so M + N is total - 1 or total - 2), each at least 1.
    public static func sizes(c: Double, total: Int) -> (inputs: Int, hidden: Int) {
        (max(1, Int(Double(total) / (1 + 1 / c))), max(1, Int(Double(total) / (1 + c))))
    }
}
