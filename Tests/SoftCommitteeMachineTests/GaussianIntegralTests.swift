import Foundation
import NumericalKit
import Testing
import SoftCommitteeMachine

// The closed-form averages against Monte Carlo over z = A xi (xi ~ N(0, I_4), so Cov z = A A^T) and against
// special cases whose values are known independently.

/// A random 4 x 4 mixing matrix A (covariance A A^T, entries of order one).
private func mixing(seed: UInt64) -> [[Double]] {
    let s = RandomStream(seed: seed, task: 9)
    return (0..<4).map { _ in s.gaussians(4, sigma: 0.7) }
}

private func covariance(_ a: [[Double]]) -> [[Double]] {
    (0..<4).map { i in (0..<4).map { j in (0..<4).reduce(0) { $0 + a[i][$1] * a[j][$1] } } }
}

/// Sample mean and its standard error of f(z) over `count` draws of z = A xi.
private func monteCarlo(_ a: [[Double]], count: Int, seed: UInt64, _ f: ([Double]) -> Double) -> (mean: Double, error: Double) {
    let s = RandomStream(seed: seed, task: 10)
    var (sum, squares) = (0.0, 0.0)
    var z = [Double](repeating: 0, count: 4)
    for _ in 0..<count {
        let xi = s.gaussians(4)
        for i in 0..<4 { z[i] = a[i][0] * xi[0] + a[i][1] * xi[1] + a[i][2] * xi[2] + a[i][3] * xi[3] }
        let value = f(z)
        sum += value
        squares += value * value
    }
    let mean = sum / Double(count)
    return (mean, ((squares / Double(count) - mean * mean) / Double(count)).squareRoot())
}

@Test("I2, I3, I4 and J2 for erf agree with Monte Carlo within 4 standard errors (3 random covariances, 2e5 samples)",
      arguments: [UInt64(1), 2, 3])
func erfIntegralsMatchMonteCarlo(seed: UInt64) {
    let g = SCMActivation.erf
    let a = mixing(seed: seed)
    let c = covariance(a)
    let checks: [(String, Double, ([Double]) -> Double)] = [
        ("I2", g.i2(c11: c[0][0], c12: c[0][1], c22: c[1][1]), { g.value($0[0]) * g.value($0[1]) }),
        ("I3", g.i3(c11: c[0][0], c12: c[0][1], c13: c[0][2], c23: c[1][2], c33: c[2][2]),
         { g.derivative($0[0]) * $0[1] * g.value($0[2]) }),
        ("I4", g.i4(c11: c[0][0], c12: c[0][1], c13: c[0][2], c14: c[0][3], c22: c[1][1], c23: c[1][2], c24: c[1][3],
                    c33: c[2][2], c34: c[2][3], c44: c[3][3]),
         { g.derivative($0[0]) * g.derivative($0[1]) * g.value($0[2]) * g.value($0[3]) }),
        ("J2", g.j2(c11: c[0][0], c12: c[0][1], c22: c[1][1]), { g.derivative($0[0]) * g.derivative($0[1]) }),
    ]
    for (name, exact, f) in checks {
        let mc = monteCarlo(a, count: 200_000, seed: seed, f)
        #expect(abs(mc.mean - exact) < 4 * mc.error, "\(name): closed form \(exact), Monte Carlo \(mc.mean) +- \(mc.error)")
        // The check has teeth: the averages are not tiny compared with their errors.
        #expect(abs(exact) > 10 * mc.error, "\(name) = \(exact) is too small to test against \(mc.error)")
    }
}

@Test("I4 with a repeated argument (u = v, as in the eta^2 term's diagonal) agrees with Monte Carlo")
func erfI4WithEqualFirstArgumentsMatchesMonteCarlo() {
    let g = SCMActivation.erf
    let a = mixing(seed: 5)
    let c = covariance(a)
    let exact = g.i4(c11: c[0][0], c12: c[0][0], c13: c[0][2], c14: c[0][3], c22: c[0][0], c23: c[0][2], c24: c[0][3],
                     c33: c[2][2], c34: c[2][3], c44: c[3][3])
    let mc = monteCarlo(a, count: 200_000, seed: 5) { z in pow(g.derivative(z[0]), 2) * g.value(z[2]) * g.value(z[3]) }
    #expect(abs(mc.mean - exact) < 4 * mc.error, "closed form \(exact), Monte Carlo \(mc.mean) +- \(mc.error)")
}

@Test("erf integrals in closed special cases: independence, one variable, the zero-variance limit")
func erfIntegralsInSpecialCases() {
    let g = SCMActivation.erf
    // Independent arguments: E[g(u) g(v)] = E g(u) E g(v) = 0 and E[g'(u) v g(w)] = 0 when v is independent of u, w.
    #expect(g.i2(c11: 2, c12: 0, c22: 3) == 0)
    #expect(g.i3(c11: 1, c12: 0, c13: 0.4, c23: 0, c33: 2) == 0)
    // E[g(u)^2] for u ~ N(0, q): (2/pi) arcsin(q / (1 + q)); q = 1 gives (2/pi) arcsin(1/2) = 1/3.
    #expect(abs(g.i2(c11: 1, c12: 1, c22: 1) - 1.0 / 3) < 1e-15)
    // A huge variance makes g a sign function: E[sign(u)^2] = 1.
    #expect(abs(g.i2(c11: 1e12, c12: 1e12, c22: 1e12) - 1) < 1e-5)
    // Zero variances: g'(0)^2 = 2/pi; g'(0)^2 g(w)^2 with w ~ N(0, 1) independent = (2/pi) (1/3).
    #expect(abs(g.j2(c11: 0, c12: 0, c22: 0) - 2 / Double.pi) < 1e-15)
    let i4 = g.i4(c11: 0, c12: 0, c13: 0, c14: 0, c22: 0, c23: 0, c24: 0, c33: 1, c34: 1, c44: 1)
    #expect(abs(i4 - 2 / Double.pi / 3) < 1e-15)
    // Stein's lemma with g'(u) = sqrt(2/pi) e^{-u^2/2} at u = 0 (C11 = 0): E[v g(w)] = C23 E[g'(w)] = C23 sqrt(2/pi)/sqrt(1 + C33).
    let i3 = g.i3(c11: 0, c12: 0, c13: 0, c23: 0.3, c33: 2)
    #expect(abs(i3 - (2 / Double.pi).squareRoot() * (2 / Double.pi).squareRoot() * 0.3 / 3.0.squareRoot()) < 1e-15)
}

@Test("linear activation: the averages are covariances and Monte Carlo agrees")
func linearIntegralsAreCovariances() {
    let g = SCMActivation.linear
    let a = mixing(seed: 4)
    let c = covariance(a)
    #expect(g.i2(c11: c[0][0], c12: c[0][1], c22: c[1][1]) == c[0][1])
    #expect(g.i3(c11: c[0][0], c12: c[0][1], c13: c[0][2], c23: c[1][2], c33: c[2][2]) == c[1][2])
    #expect(g.j2(c11: 1, c12: 0.5, c22: 2) == 1)
    let exact = g.i4(c11: c[0][0], c12: c[0][1], c13: c[0][2], c14: c[0][3], c22: c[1][1], c23: c[1][2], c24: c[1][3],
                     c33: c[2][2], c34: c[2][3], c44: c[3][3])
    let mc = monteCarlo(a, count: 100_000, seed: 4) { $0[2] * $0[3] }
    #expect(abs(mc.mean - exact) < 4 * mc.error)
}
