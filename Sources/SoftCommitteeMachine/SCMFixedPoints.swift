import Foundation
import NumericalKit
import StudentTeacherCore

/// The symmetric plateau of Saad & Solla in closed form (DERIVATION.md section 5): K = M, T = I, readouts
/// fixed at v = v* = 1, gradient flow. Every student unit is the same vector w = c sum_m w*_m, so
/// Q_kl = C for all k, l (Q = C), R_km = R, and minimising eps_g over R with Q = K R^2 gives
///     R = 1 / sqrt(K (2K - 1)),   Q = C = 1 / (2K - 1),   eps_g = (K / pi) (pi/6 - K arcsin(1/(2K))).
public struct SCMSymmetricPlateau: Sendable, Equatable {
    public let units: Int
    public var q: Double { 1 / Double(2 * units - 1) }
    public var r: Double { 1 / (Double(units) * Double(2 * units - 1)).squareRoot() }
    public var generalisationError: Double {
        let k = Double(units)
        return k / Double.pi * (Double.pi / 6 - k * asin(1 / (2 * k)))
    }

    public init(units: Int) throws {
        guard units > 0 else { throw ParameterError("the plateau needs K = M >= 1 units") }
        self.units = units
    }

    /// The plateau as an order-parameter state (no input flips; readouts 1).
    public var state: SCMState {
        SCMState(q: Matrix(rows: units, columns: units, repeating: q), r: Matrix(rows: units, columns: units, repeating: r),
                 v: Array(repeating: 1, count: units))
    }
}

/// An eigenvalue of a real matrix.
public struct SCMEigenvalue: Sendable, Equatable {
    public let real: Double
    public let imaginary: Double
}

extension SCMFlow {
    /// The perfect solution w = w* (needs K = M): Q = R = T, Q~ = R~ = T~, v = v*. Delta vanishes for every input,
    /// so it is a fixed point of every rule, online or not.
    public func perfectSolution() throws -> SCMState {
        guard students == teachers else { throw ParameterError("the perfect solution needs K = M, got K = \(students), M = \(teachers)") }
        return SCMState(q: teacher.t, qTilde: teacher.tTilde, r: teacher.t, rTilde: teacher.tTilde, v: teacher.readout)
    }

    /// The coordinates that move: all of them, or all but the readout when it is fixed.
    public var activeIndices: [Int] {
        rule.trainsReadout ? Array(0..<dimension) : Array(0..<offsetV)
    }

    /// The Jacobian of the flow at `s` on the active coordinates, by central finite differences (step h max(1, |y_j|)).
    public func jacobian(at s: SCMState, step: Double = 1e-6) -> Matrix {
        let base = pack(s)
        let active = activeIndices
        let field = makeVectorField()
        var full = base
        var rate = [Double](repeating: 0, count: dimension)
        let restricted: VectorField = { t, y, out in
            for (i, j) in active.enumerated() { full[j] = y[i] }
            full.withUnsafeBufferPointer { f in rate.withUnsafeMutableBufferPointer { field(t, f, $0) } }
            for (i, j) in active.enumerated() { out[i] = rate[j] }
        }
        return FiniteDifference.jacobian(of: restricted, at: active.map { base[$0] }, step: step)
    }

    /// The Jacobian's eigenvalues at `s`, sorted by real part (ascending).
    public func jacobianEigenvalues(at s: SCMState) throws -> [SCMEigenvalue] {
        try Eigen.eigenvalues(jacobian(at: s)).map { SCMEigenvalue(real: $0.real, imaginary: $0.imaginary) }
    }

    /// The largest real part of the Jacobian's eigenvalues at `s`.
    public func leadingGrowthRate(at s: SCMState) throws -> Double {
        try jacobianEigenvalues(at: s).map(\.real).max()!
    }

    /// Newton's method for a fixed point near `s` (finite-difference Jacobian, minimum-norm steps by SVD, so a
    /// fixed point that is part of a continuum is still reached). Throws unless the velocity's largest component
    /// falls below `tolerance` within `maxIterations`.
    public func refineFixedPoint(from s: SCMState, tolerance: Double = 1e-12, maxIterations: Int = 50) throws -> SCMState {
        var y = pack(s)
        let active = activeIndices
        var residual = Double.infinity
        for _ in 0..<maxIterations {
            let f = velocity(y)
            residual = active.map { abs(f[$0]) }.max()!
            if residual < tolerance { return unpack(y) }
            let svd = try ThinSVD(jacobian(at: unpack(y)))
            let cutoff = 1e-10 * svd.singularValues[0]
            var step = [Double](repeating: 0, count: active.count)
            for (i, sigma) in svd.singularValues.enumerated() where sigma > cutoff {
                var projection = 0.0
                for (a, j) in active.enumerated() { projection += svd.u[a, i] * f[j] }
                for b in 0..<active.count { step[b] -= svd.vt[i, b] * projection / sigma }
            }
            for (a, j) in active.enumerated() { y[j] += step[a] }
        }
        throw SCMError.numericalFailure("Newton's method left a velocity of \(residual) after \(maxIterations) iterations")
    }

    /// The first time alpha at which eps_g falls to `threshold`, integrating from `start` up to `endTime`; nil when
    /// it never does (or the run diverges first).
    public func timeToReach(error threshold: Double, from start: SCMState, endTime: Double,
                            options: ODESolveOptions = SCMFlow.defaultSolveOptions) throws -> Double? {
        var options = options
        options.saveStates = false
        options.output = .linear(count: 2)
        options.stopCondition = StopCondition(threshold: threshold, direction: .falling, timeTolerance: 1e-6 * endTime,
                                              observable: makeErrorObservable())
        let solution = try solve(problem(from: start, endTime: endTime), .rk8pd, options: options)
        if case .stopped(let time) = solution.status { return time }
        return nil
    }
}

/// Where the perfect solution loses stability as a curl strength grows.
public enum SCMCriticalCurl {
    /// The alpha_h in [lower, upper] at which the perfect solution's leading growth rate crosses zero, found by
    /// bisection to `tolerance`; `flow(alpha_h)` builds the flow at each strength. Nil when the growth rate has the
    /// same sign at both ends.
    public static func inputFlipFraction(lower: Double = 0, upper: Double = 0.5, tolerance: Double = 1e-6,
                                         flow: (Double) throws -> SCMFlow) throws -> Double? {
        func rate(_ a: Double) throws -> Double {
            let f = try flow(a)
            return try f.leadingGrowthRate(at: try f.perfectSolution())
        }
        var (lo, hi) = (lower, upper)
        var (rLo, rHi) = (try rate(lo), try rate(hi))
        guard rLo < 0, rHi > 0 else { return nil }
        while hi - lo > tolerance {
            let mid = 0.5 * (lo + hi)
            let r = try rate(mid)
            if r < 0 { (lo, rLo) = (mid, r) } else { (hi, rHi) = (mid, r) }
        }
        return 0.5 * (lo + hi)
    }
}
