/// A computation of the soft-committee-machine theory (fixed-point refinement, an integration) that did not deliver;
/// parameters outside its domain are the core's `ParameterError`.
public enum SCMError: Error, Equatable, CustomStringConvertible {
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .numericalFailure(let message): return "numerical failure: \(message)"
        }
    }
}
