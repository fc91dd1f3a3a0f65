import Foundation

/// The hidden-unit nonlinearity g of the soft committee machine, with the four Gaussian averages the
/// order-parameter equations need in closed form. Each takes the covariance entries of its jointly Gaussian,
/// zero-mean arguments, named in the order written (c11 the variance of the first argument, c12 the covariance
/// of the first two, ...); entries an average does not depend on are not asked for.
public enum SCMActivation: String, CaseIterable, Sendable, Codable {
    /// g(z) = erf(z / sqrt 2), g'(z) = sqrt(2/pi) exp(-z^2/2): the classic choice, whose averages are arcsines.
    case erf
    /// g(z) = z: the linear network, where every average is a covariance (a check against the linear flow).
    case linear

    /// g(z).
    @inline(__always)
    public func value(_ z: Double) -> Double {
        switch self {
        case .erf: Foundation.erf(z / 2.0.squareRoot())
        case .linear: z
        }
    }

    /// g'(z).
    @inline(__always)
    public func derivative(_ z: Double) -> Double {
        switch self {
        case .erf: (2 / Double.pi).squareRoot() * exp(-0.5 * z * z)
        case .linear: 1
        }
    }

    /// I2 = E[g(u) g(v)].
    @inline(__always)
    public func i2(c11: Double, c12: Double, c22: Double) -> Double {
        switch self {
        case .erf: (2 / Double.pi) * asin(c12 / ((1 + c11) * (1 + c22)).squareRoot())
        case .linear: c12
        }
    }

    /// I3 = E[g'(u) v g(w)].
    @inline(__always)
    public func i3(c11: Double, c12: Double, c13: Double, c23: Double, c33: Double) -> Double {
        switch self {
        case .erf:
            let a = 1 + c11
            let l3 = a * (1 + c33) - c13 * c13
            return (2 / Double.pi) * (c23 * a - c12 * c13) / (a * l3.squareRoot())
        case .linear: return c23
        }
    }

    /// I4 = E[g'(u) g'(v) g(w) g(z)].
    @inline(__always)
    public func i4(c11: Double, c12: Double, c13: Double, c14: Double, c22: Double, c23: Double, c24: Double,
                   c33: Double, c34: Double, c44: Double) -> Double {
        switch self {
        case .erf:
            let (a, b) = (1 + c11, 1 + c22)
            let l4 = a * b - c12 * c12
            let l0 = l4 * c34 - c23 * c24 * a - c13 * c14 * b + c12 * c13 * c24 + c12 * c14 * c23
            let l1 = l4 * (1 + c33) - c23 * c23 * a - c13 * c13 * b + 2 * c12 * c13 * c23
            let l2 = l4 * (1 + c44) - c24 * c24 * a - c14 * c14 * b + 2 * c12 * c14 * c24
            return 4 / (Double.pi * Double.pi * l4.squareRoot()) * asin(l0 / (l1 * l2).squareRoot())
        case .linear: return c34
        }
    }

    /// J2 = E[g'(u) g'(v)].
    @inline(__always)
    public func j2(c11: Double, c12: Double, c22: Double) -> Double {
        switch self {
        case .erf: (2 / Double.pi) / (1 + c11 + c22 + c11 * c22 - c12 * c12).squareRoot()
        case .linear: 1
        }
    }
}

/// The averages over a covariance matrix of named variables: `i3(cov, a, b, c)` is E[g'(z_a) z_b g(z_c)] for
/// the Gaussian vector z with covariance `cov` (row-major, `n` x `n`).
public struct GaussianAverages {
    public let activation: SCMActivation

    public init(activation: SCMActivation) { self.activation = activation }

    @inline(__always)
    public func i2(_ c: UnsafeBufferPointer<Double>, _ n: Int, _ a: Int, _ b: Int) -> Double {
        activation.i2(c11: c[a * n + a], c12: c[a * n + b], c22: c[b * n + b])
    }

    @inline(__always)
    public func i3(_ c: UnsafeBufferPointer<Double>, _ n: Int, _ a: Int, _ b: Int, _ d: Int) -> Double {
        activation.i3(c11: c[a * n + a], c12: c[a * n + b], c13: c[a * n + d], c23: c[b * n + d], c33: c[d * n + d])
    }

    @inline(__always)
    public func i4(_ c: UnsafeBufferPointer<Double>, _ n: Int, _ a: Int, _ b: Int, _ d: Int, _ e: Int) -> Double {
        activation.i4(c11: c[a * n + a], c12: c[a * n + b], c13: c[a * n + d], c14: c[a * n + e], c22: c[b * n + b],
                      c23: c[b * n + d], c24: c[b * n + e], c33: c[d * n + d], c34: c[d * n + e], c44: c[e * n + e])
    }

    @inline(__always)
    public func j2(_ c: UnsafeBufferPointer<Double>, _ n: Int, _ a: Int, _ b: Int) -> Double {
        activation.j2(c11: c[a * n + a], c12: c[a * n + b], c22: c[b * n + b])
    }
}
