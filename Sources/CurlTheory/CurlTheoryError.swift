/// A computation of CurlTheory that did not deliver (a root finder, a spectrum); parameters outside the theory's
/// domain are the core's `ParameterError`.
public enum CurlTheoryError: Error, Equatable, CustomStringConvertible {
    case numericalFailure(String)

    public var description: String {
        switch self {
        case .numericalFailure(let message): return "numerical failure: \(message)"
        }
    }
}
