/// Errors raised by CurlTheory: parameters outside the theory's domain, or a root finder that did not deliver.
public enum CurlTheoryError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(String)
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .invalidParameter(let message): return message
        case .numericalFailure(let message): return "numerical failure: \(message)"
        }
    }
}
