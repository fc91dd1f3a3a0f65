import Foundation

/// Neuron nonlinearities of the student-teacher networks of both papers, with the derivatives the flows, their
/// Jacobians and backpropagation need, and the antiderivative that defines the matching loss of a nonlinear
/// output. The raw values are the spellings the command line takes (`lin`, `tanh`, `relu`, `erf`, `sigmoid`).
public enum Activation: String, CaseIterable, Sendable, Codable {
    case linear = "lin"
    case tanh
    case relu
    /// erf(x / sqrt 2), the scaling common in the student-teacher literature (values in (-1, 1)).
    case erf
    case sigmoid

    @inline(__always)
    public func value(_ x: Double) -> Double {
        switch self {
        case .linear: x
        case .tanh: Foundation.tanh(x)
        case .relu: max(0, x)
        case .erf: Foundation.erf(x / 2.0.squareRoot())
        case .sigmoid: 1 / (1 + exp(-x))
        }
    }

    @inline(__always)
    public func derivative(_ x: Double) -> Double {
        switch self {
        case .linear: 1
        case .tanh: { let t = Foundation.tanh(x); return 1 - t * t }()
        case .relu: x > 0 ? 1 : 0
        case .erf: (2 / Double.pi).squareRoot() * exp(-x * x / 2)
        case .sigmoid: { let s = 1 / (1 + exp(-x)); return s * (1 - s) }()
        }
    }

    /// The value and the derivative together, sharing the expensive part (tanh, exp).
    @inline(__always)
    public func valueAndDerivative(_ x: Double) -> (value: Double, derivative: Double) {
        switch self {
        case .tanh:
            let t = Foundation.tanh(x)
            return (t, 1 - t * t)
        case .sigmoid:
            let s = 1 / (1 + exp(-x))
            return (s, s * (1 - s))
        case .erf:
            return (Foundation.erf(x / 2.0.squareRoot()), (2 / Double.pi).squareRoot() * exp(-x * x / 2))
        case .linear, .relu:
            return (value(x), derivative(x))
        }
    }

    @inline(__always)
    public func secondDerivative(_ x: Double) -> Double {
        switch self {
        case .linear, .relu: 0
        case .tanh: { let t = Foundation.tanh(x); return -2 * t * (1 - t * t) }()
        case .erf: -x * (2 / Double.pi).squareRoot() * exp(-x * x / 2)
        case .sigmoid: { let s = 1 / (1 + exp(-x)); return s * (1 - s) * (1 - 2 * s) }()
        }
    }

    /// An antiderivative Phi with Phi' = value; the matching loss Phi(a) - y a has gradient (phi(a) - y) in a,
    /// which is the error signal the reference uses at the output (it omits phi'(a2)).
    public func antiderivative(_ x: Double) -> Double {
        switch self {
        case .linear: 0.5 * x * x
        case .tanh: abs(x) + log1p(exp(-2 * abs(x))) - log(2)  // log cosh, overflow-safe
        case .relu: 0.5 * pow(max(0, x), 2)
        case .erf: x * Foundation.erf(x / 2.0.squareRoot()) + (2 / Double.pi).squareRoot() * exp(-x * x / 2)
        case .sigmoid: max(x, 0) + log1p(exp(-abs(x)))  // softplus
        }
    }
}



/// Which nonlinearity acts where: on the hidden layer, and on the output (the reference applies the same
/// one at the output; `output = .linear` means none).
public struct NetworkActivation: Equatable, Sendable, Codable {
    public var hidden: Activation
    public var output: Activation

    public init(hidden: Activation, output: Activation) {
        self.hidden = hidden
        self.output = output
    }

    /// The reference's convention: phi on the hidden layer and at the output.
    public static func reference(_ phi: Activation) -> NetworkActivation { NetworkActivation(hidden: phi, output: phi) }

    public static let linear = NetworkActivation(hidden: .linear, output: .linear)

    public var isLinear: Bool { hidden == .linear && output == .linear }
}
