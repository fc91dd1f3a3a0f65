import NumericalKit

/// Why a projector could not be built from the data it was given (a batch with no direction left, too few points
/// for the clusters): each case names the offending quantity so the message is actionable. A learning study counts
/// a run that meets one as failed. Bad parameters (alpha <= 0) are the core's `ParameterError`.
public enum ProjectionError: Error, Equatable, CustomStringConvertible {
    case rankExceedsDimension(rank: Int, dimension: Int)
    case invalidRank(Int)
    case invalidClusterCount(Int)
    case tooFewPoints(points: Int, clusters: Int)
    case emptyInput(String)
    case dimensionMismatch(what: String, expected: Int, got: Int)
    case nonFiniteInput(String)
    case zeroVector(String)

    public var description: String {
        switch self {
        case .rankExceedsDimension(let r, let d): return "rank \(r) exceeds the input dimension \(d)"
        case .invalidRank(let r): return "rank must be at least 1, got \(r)"
        case .invalidClusterCount(let k): return "the number of clusters must be at least 1, got \(k)"
        case .tooFewPoints(let n, let k): return "k-means needs at least as many points as clusters: \(n) points, \(k) clusters"
        case .emptyInput(let what): return "\(what) is empty"
        case .dimensionMismatch(let what, let e, let g): return "\(what) has dimension \(g), expected \(e)"
        case .nonFiniteInput(let what): return "\(what) contains NaN or infinite entries"
        case .zeroVector(let what): return "\(what) is the zero vector and has no direction"
        }
    }
}

func requireFinite(_ m: Matrix, _ what: String) throws {
    guard m.elements.allSatisfy(\.isFinite) else { throw ProjectionError.nonFiniteInput(what) }
}
