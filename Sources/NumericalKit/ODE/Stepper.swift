import CGSL

/// A GSL stepping method. The implicit ones carry the Jacobian they need, so a solve without one
/// cannot be written (GSL's msbdf, bsimp and rk4imp segfault when given none).
public enum Stepper {
    /// Runge-Kutta Prince-Dormand (8, 9): the default for smooth, non-stiff flows.
    case rk8pd
    /// Runge-Kutta-Fehlberg (4, 5): cheap, moderate accuracy.
    case rkf45
    /// Runge-Kutta Cash-Karp (4, 5).
    case rkck
    /// Classical fourth-order Runge-Kutta (error estimate by step doubling).
    case rk4
    /// Explicit embedded Runge-Kutta (2, 3).
    case rk2
    /// Variable-coefficient linear multistep Adams method (explicit, no Jacobian needed).
    case msadams
    /// Variable-coefficient linear multistep backward differentiation formula, for stiff problems.
    case msbdf(jacobian: JacobianFunction)
    /// Implicit Bulirsch-Stoer (Bader-Deuflhard), for stiff problems.
    case bsimp(jacobian: JacobianFunction)
    /// Implicit fourth-order Gaussian Runge-Kutta.
    case rk4imp(jacobian: JacobianFunction)

    /// Names accepted by `named(_:jacobian:)`, the default first.
    public static let names = ["rk8pd", "rkf45", "rkck", "rk4", "rk2", "msadams", "msbdf", "bsimp", "rk4imp"]
    public static let implicitNames: Set<String> = ["msbdf", "bsimp", "rk4imp"]

    /// A stepper by name. Implicit steppers take `jacobian`, and fail without one.
    public static func named(_ name: String, jacobian: JacobianFunction? = nil) throws -> Stepper {
        switch name {
        case "rk8pd": return .rk8pd
        case "rkf45": return .rkf45
        case "rkck": return .rkck
        case "rk4": return .rk4
        case "rk2": return .rk2
        case "msadams": return .msadams
        case "msbdf", "bsimp", "rk4imp":
            guard let jacobian else {
                throw NumericalError.invalidArgument("stepper '\(name)' is implicit and needs the Jacobian of the vector field")
            }
            return name == "msbdf" ? .msbdf(jacobian: jacobian) : name == "bsimp" ? .bsimp(jacobian: jacobian) : .rk4imp(jacobian: jacobian)
        default:
            throw NumericalError.invalidArgument("unknown stepper '\(name)'; choose one of \(names.joined(separator: ", "))")
        }
    }

    public var name: String {
        switch self {
        case .rk8pd: "rk8pd"
        case .rkf45: "rkf45"
        case .rkck: "rkck"
        case .rk4: "rk4"
        case .rk2: "rk2"
        case .msadams: "msadams"
        case .msbdf: "msbdf"
        case .bsimp: "bsimp"
        case .rk4imp: "rk4imp"
        }
    }

    var jacobian: JacobianFunction? {
        switch self {
        case .msbdf(let j), .bsimp(let j), .rk4imp(let j): j
        default: nil
        }
    }

    var gslType: UnsafePointer<gsl_odeiv2_step_type> {
        switch self {
        case .rk8pd: cgsl_step_rk8pd()
        case .rkf45: cgsl_step_rkf45()
        case .rkck: cgsl_step_rkck()
        case .rk4: cgsl_step_rk4()
        case .rk2: cgsl_step_rk2()
        case .msadams: cgsl_step_msadams()
        case .msbdf: cgsl_step_msbdf()
        case .bsimp: cgsl_step_bsimp()
        case .rk4imp: cgsl_step_rk4imp()
        }
    }
}
