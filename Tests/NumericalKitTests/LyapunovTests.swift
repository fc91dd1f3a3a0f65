import Foundation
import Testing
@testable import NumericalKit

// Lyapunov spectra by Benettin's method against known spectra: the Lorenz attractor (literature values and the
// exact sum, the trace of the Jacobian), linear systems (the real parts of the eigenvalues) and a flow on a sphere
// measured on the sphere only.

/// The Lorenz system with its Jacobian-vector product.
private func lorenz(sigma: Double = 10, rho: Double = 28, beta: Double = 8.0 / 3, count: Int) -> LyapunovProblem {
    LyapunovProblem(initialState: [1, 1, 20], initialTangents: LyapunovProblem.randomTangents(count: count, dimension: 3, stream: RandomStream(seed: 7)),
                    exponentCount: count,
                    vectorField: { _, y, f in
                        f[0] = sigma * (y[1] - y[0])
                        f[1] = y[0] * (rho - y[2]) - y[1]
                        f[2] = y[0] * y[1] - beta * y[2]
                    },
                    tangentMap: { _, y, v, count, jv in
                        for j in 0..<count {
                            let (a, b, c) = (v[3 * j], v[3 * j + 1], v[3 * j + 2])
                            jv[3 * j] = sigma * (b - a)
                            jv[3 * j + 1] = (rho - y[2]) * a - b - y[0] * c
                            jv[3 * j + 2] = y[1] * a + y[0] * b - beta * c
                        }
                    })
}

/// dx/dt = A x (row-major A), started at x = 0 so the state stays bounded; the tangents see A alone.
private func linearSystem(_ a: Matrix, count: Int) -> LyapunovProblem {
    let n = a.rows
    return LyapunovProblem(initialState: [Double](repeating: 0, count: n),
                           initialTangents: LyapunovProblem.randomTangents(count: count, dimension: n, stream: RandomStream(seed: 3)),
                           exponentCount: count) { _, y, f, v, count, jv in
        for i in 0..<n { f[i] = (0..<n).reduce(0) { $0 + a[i, $1] * y[$1] } }
        for j in 0..<count {
            for i in 0..<n { jv[j * n + i] = (0..<n).reduce(0) { $0 + a[i, $1] * v[j * n + $1] } }
        }
    }
}

@Test("Lorenz (10, 28, 8/3): lambda_1 = 0.906, lambda_2 = 0 within their confidence intervals, and the sum is the trace -(sigma + 1 + beta)")
func lorenzSpectrumMatchesTheLiterature() throws {
    var options = LyapunovOptions(measurementTime: 400)
    options.transientTime = 20
    options.renormalizationInterval = 0.5
    options.segmentCount = 10
    let spectrum = try solve(lorenz(count: 3), options: options)
    #expect(spectrum.status == .completed)
    let l = spectrum.exponents
    // Literature: 0.9056, 0, -14.5723 (Sprott's long runs); the statistical error of T = 400 is about 0.01.
    #expect(abs(l[0] - 0.9056) < max(0.03, 3 * spectrum.standardErrors[0]), "lambda_1 = \(l[0]) +- \(spectrum.standardErrors[0])")
    #expect(abs(l[1]) < 0.02, "lambda_2 = \(l[1])")
    #expect(abs(l[2] + 14.5723) < 0.05, "lambda_3 = \(l[2])")
    // The volume growth rate is the trace of J, constant on Lorenz: exact up to integration error.
    let trace: Double = -(10 + 1 + 8.0 / 3)
    #expect(abs(spectrum.sum - trace) < 1e-6, "sum = \(spectrum.sum)")
    // Per segment too, and the confidence interval covers the literature value.
    for segment in spectrum.segmentExponents {
        let sum = segment.reduce(0, +)
        #expect(abs(sum - trace) < 1e-6)
    }
    #expect(spectrum.segmentExponents.count == 10)
    #expect(abs(l[0] - 0.9056) < spectrum.confidenceHalfWidths[0] + 0.01)
    #expect(spectrum.standardErrors[0] > 0 && spectrum.standardErrors[0] < 0.05)
    // The running estimate ends at the reported exponents.
    #expect(spectrum.runningTimes.last == spectrum.measuredTime)
    #expect(Vector.maxAbsDifference(spectrum.runningEstimates.last!, l) < 1e-12)
    #expect(abs(spectrum.measuredTime - 400) < 1e-9)
}

@Test("Lorenz with one tangent vector gives lambda_1 alone, equal to the full spectrum's first exponent within the statistics")
func lorenzLeadingExponentAlone() throws {
    var options = LyapunovOptions(measurementTime: 300)
    options.transientTime = 20
    let spectrum = try solve(lorenz(count: 1), .rkf45, options: options)
    #expect(spectrum.exponents.count == 1)
    #expect(abs(spectrum.exponents[0] - 0.9056) < max(0.04, 3 * spectrum.standardErrors[0]), "\(spectrum.exponents[0])")
}

@Test("a linear system's exponents are the real parts of A's eigenvalues, sorted, and their sum is the trace")
func linearSystemExponentsAreRealPartsOfEigenvalues() throws {
    // A = T B T^-1 with B = blocks [[0.3, 2], [-2, 0.3]], -0.1, [[-0.8, 1], [-1, -0.8]] and a well-conditioned T.
    let b = Matrix([[0.3, 2, 0, 0, 0], [-2, 0.3, 0, 0, 0], [0, 0, -0.1, 0, 0], [0, 0, 0, -0.8, 1], [0, 0, 0, -1, -0.8]])
    // T = H diag(s) with H = I - 2 v v^T / |v|^2 a reflection, so T^-1 = diag(1/s) H.
    let v = [1.0, -2, 0.5, 1.5, -1]
    let vv = v.reduce(0) { $0 + $1 * $1 }
    let h = Matrix(rows: 5, columns: 5) { i, j in (i == j ? 1 : 0) - 2 * v[i] * v[j] / vv }
    let s = [1.0, 2, 0.5, 1.5, 3]
    let t = Matrix(rows: 5, columns: 5) { i, j in h[i, j] * s[j] }
    let tInverse = Matrix(rows: 5, columns: 5) { i, j in h[i, j] / s[i] }
    let a = naiveProduct(naiveProduct(t, b), tInverse)
    let expected: [Double] = [0.3, 0.3, -0.1, -0.8, -0.8]
    var options = LyapunovOptions(measurementTime: 400)
    options.renormalizationInterval = 0.5
    let spectrum = try solve(linearSystem(a, count: 5), options: options)
    // The finite-time error is O(log(cond T) / T) ~ 1e-2 at T = 400.
    #expect(Vector.maxAbsDifference(spectrum.exponents, expected) < 0.02, "\(spectrum.exponents)")
    let trace = expected.reduce(0, +)
    #expect(abs(spectrum.sum - trace) < 1e-6, "sum \(spectrum.sum)")
    // The two leading ones alone: once the transient has aligned the tangent plane with the pair's invariant plane,
    // its area grows at exactly twice the pair's real part.
    options.transientTime = 50
    let leading = try solve(linearSystem(a, count: 2), options: options)
    #expect(Vector.maxAbsDifference(leading.exponents, [0.3, 0.3]) < 0.02, "\(leading.exponents)")
    #expect(abs(leading.sum - 0.6) < 1e-5, "a complex pair's sum: \(leading.sum)")
}

@Test("a real diagonal system gives its diagonal sorted whatever the order of the coordinates")
func diagonalSystemIsSorted() throws {
    let a = Matrix.diagonal([-1, 0.5, -3, 0])
    var options = LyapunovOptions(measurementTime: 100)
    options.transientTime = 20
    options.segmentCount = 4
    let spectrum = try solve(linearSystem(a, count: 4), options: options)
    #expect(Vector.maxAbsDifference(spectrum.exponents, [0.5, 0, -1, -3]) < 0.01, "\(spectrum.exponents)")
}

/// dy/dt = A y - (y . A y / |y|^2) y (A diagonal) conserves |y|, like the learning flow under its norm constraint.
/// Its attracting fixed point e_1 has the tangent exponents a_i - a_1 on the sphere; the normal direction carries a
/// zero exponent (a neighbouring sphere is just as invariant).
@Test("the tangent projection measures a norm-conserving flow on its sphere only: the zero normal exponent drops out")
func tangentProjectionKeepsTheSphere() throws {
    let d = [-1.0, -1.5, -3.0]
    func problem(count: Int, projected: Bool) -> LyapunovProblem {
        LyapunovProblem(initialState: [0.8, 0.6, 0.1], initialTangents: LyapunovProblem.randomTangents(count: count, dimension: 3, stream: RandomStream(seed: 5)),
                        exponentCount: count,
                        tangentProjection: projected ? { y, v, count in
                            let r = (0..<3).reduce(0) { $0 + y[$1] * y[$1] }
                            for j in 0..<count {
                                let dot = (0..<3).reduce(0) { $0 + y[$1] * v[3 * j + $1] }
                                for i in 0..<3 { v[3 * j + i] -= dot / r * y[i] }
                            }
                        } : nil) { _, y, f, v, count, jv in
            let r = (0..<3).reduce(0) { $0 + y[$1] * y[$1] }
            let q = (0..<3).reduce(0) { $0 + d[$1] * y[$1] * y[$1] }
            for i in 0..<3 { f[i] = d[i] * y[i] - q / r * y[i] }
            for j in 0..<count {
                // J v = A v - (q / r) v - y (2 y.Av / r - 2 q y.v / r^2)
                let yav = (0..<3).reduce(0) { $0 + d[$1] * y[$1] * v[3 * j + $1] }
                let yv = (0..<3).reduce(0) { $0 + y[$1] * v[3 * j + $1] }
                let c = 2 * yav / r - 2 * q * yv / (r * r)
                for i in 0..<3 { jv[3 * j + i] = d[i] * v[3 * j + i] - q / r * v[3 * j + i] - c * y[i] }
            }
        }
    }
    var options = LyapunovOptions(measurementTime: 60)
    options.transientTime = 40
    options.segmentCount = 4
    let onSphere = try solve(problem(count: 2, projected: true), options: options)
    #expect(Vector.maxAbsDifference(onSphere.exponents, [-0.5, -2]) < 1e-3, "\(onSphere.exponents)")
    let ambient = try solve(problem(count: 3, projected: false), options: options)
    #expect(Vector.maxAbsDifference(ambient.exponents, [0, -0.5, -2]) < 1e-3, "\(ambient.exponents)")
}

@Test("bad Lyapunov input is refused: no exponents, too many, wrong tangent count, one segment, implicit stepper, dependent tangents")
func badLyapunovInputIsRefused() throws {
    let options = LyapunovOptions(measurementTime: 1)
    var p = lorenz(count: 1)
    p.exponentCount = 0
    #expect(throws: NumericalError.self) { _ = try solve(p, options: options) }
    p = lorenz(count: 1)
    p.exponentCount = 4
    #expect(throws: NumericalError.self) { _ = try solve(p, options: options) }
    p = lorenz(count: 2)
    p.initialTangents = [1, 0, 0, 2, 0, 0]
    #expect(throws: NumericalError.self) { _ = try solve(p, options: options) }
    p.initialTangents = [1, 0, 0]
    #expect(throws: NumericalError.self) { _ = try solve(p, options: options) }
    var one = options
    one.segmentCount = 1
    #expect(throws: NumericalError.self) { _ = try solve(lorenz(count: 1), options: one) }
    var negative = options
    negative.measurementTime = -1
    #expect(throws: NumericalError.self) { _ = try solve(lorenz(count: 1), options: negative) }
    let implicit = Stepper.bsimp { _, _, _, _ in }
    #expect(throws: NumericalError.self) { _ = try solve(lorenz(count: 1), implicit, options: options) }
}

@Test("a diverging state ends the solve with its status and exponents over the time measured")
func divergenceIsReported() throws {
    // dy/dt = y^2 from y = 1 blows up at t = 1.
    let problem = LyapunovProblem(initialState: [1], initialTangents: [1], exponentCount: 1,
                                  vectorField: { _, y, f in f[0] = y[0] * y[0] },
                                  tangentMap: { _, y, v, _, jv in jv[0] = 2 * y[0] * v[0] })
    var options = LyapunovOptions(measurementTime: 4)
    options.renormalizationInterval = 0.1
    options.segmentCount = 4
    let spectrum = try solve(problem, options: options)
    #expect(!spectrum.status.isSuccess)
    #expect(spectrum.measuredTime < 1.0 + 1e-9)
    #expect(spectrum.segmentExponents.isEmpty)
    #expect(spectrum.standardErrors[0].isNaN)
    #expect(spectrum.exponents[0].isFinite)
}
