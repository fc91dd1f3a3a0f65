/// Errors raised by NumericalKit itself (GSL's own failures are `GSLError`).
public enum NumericalError: Error, Equatable, CustomStringConvertible {
    case invalidArgument(String)
    case nonFiniteInput(String)
    case lapackFailure(routine: String, info: Int32)

    public var description: String {
        switch self {
        case .invalidArgument(let message): return message
        case .nonFiniteInput(let what): return "\(what) contains NaN or infinite entries"
        case .lapackFailure(let routine, let info): return "LAPACK \(routine) failed (info = \(info))"
        }
    }
}
