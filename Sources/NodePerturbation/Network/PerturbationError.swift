/// Bad input to the networks and estimators of this module (wrong sizes, sigma <= 0, layer out of range).
public enum PerturbationError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        }
    }
}
