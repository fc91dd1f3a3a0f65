import NumericalKit

/// A ring buffer of unit input directions (loco.md 4.2 step 2): once full, each push overwrites the oldest.
public struct DirectionBuffer: Sendable {
    public let dimension: Int
    public let capacity: Int
    private var storage: [Double]
    private var next = 0
    public private(set) var count = 0

    public init(dimension: Int, capacity: Int) throws {
        guard dimension > 0 else { throw ParameterError("buffer dimension must be positive, got \(dimension)") }
        guard capacity > 0 else { throw ParameterError("buffer capacity must be positive, got \(capacity)") }
        self.dimension = dimension
        self.capacity = capacity
        storage = [Double](repeating: 0, count: dimension * capacity)
    }

    /// Stores x / ||x||. Throws for a wrong length, non-finite entries or the zero vector.
    public mutating func push(_ x: [Double]) throws {
        guard x.count == dimension else { throw ProjectionError.dimensionMismatch(what: "direction", expected: dimension, got: x.count) }
        guard x.allSatisfy(\.isFinite) else { throw ProjectionError.nonFiniteInput("direction") }
        let norm = Vector.norm(x)
        guard norm > 0 else { throw ProjectionError.zeroVector("direction") }
        for j in 0..<dimension { storage[next * dimension + j] = x[j] / norm }
        next = (next + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// The stored directions as rows (count x dimension), oldest first.
    public var directions: Matrix {
        let start = count < capacity ? 0 : next
        var e = [Double]()
        e.reserveCapacity(count * dimension)
        for s in 0..<count {
            let slot = (start + s) % capacity
            e += storage[(slot * dimension)..<((slot + 1) * dimension)]
        }
        return Matrix(rows: count, columns: dimension, elements: e)
    }
}
