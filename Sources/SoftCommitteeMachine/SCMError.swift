/// Errors raised by the soft-committee-machine theory: parameters outside its domain, or a computation
/// (fixed-point refinement, an integration) that did not deliver.
public enum SCMError: Error, Equatable, CustomStringConvertible {
    case invalidParameter(String)
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .invalidParameter(let message): return message
        case .numericalFailure(let message): return "numerical failure: \(message)"
        }
    }
}
