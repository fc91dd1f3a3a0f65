import CGSL
import ComplexModule
import Foundation
import Testing
import NumericalKit

// Coefficients are lowest order first: [a0, a1, a2] is a0 + a1 x + a2 x^2.
// Root tolerances: 1e-12 for well-separated simple roots of small integer polynomials.

private func real(_ values: [Double]) -> [Complex<Double>] { values.map { Complex($0, 0) } }

@Test func rootsOfProductOfLinearFactors() throws {
    // (x - 1)(x - 2)(x - 3) = x^3 - 6x^2 + 11x - 6
    let roots = try Polynomial.roots([-6, 11, -6, 1])
    #expect(roots.count == 3)
    for (r, e) in zip(roots, [1.0, 2, 3]) { #expect((r - Complex(e, 0)).length <= 1e-12, "\(r) vs \(e)") }
}

@Test func rootsOfXToTheSixthMinusOneAreSixthRootsOfUnity() throws {
    let roots = try Polynomial.roots([-1, 0, 0, 0, 0, 0, 1])
    let unity = (0..<6).map { k in Complex(cos(Double(k) * .pi / 3), sin(Double(k) * .pi / 3)) }
    #expect(matchedDistance(roots, unity) <= 1e-12)
    let sorted = zip(roots, roots.dropFirst()).allSatisfy { ($0.real, $0.imaginary) <= ($1.real, $1.imaginary) }
    #expect(sorted, "roots are sorted by real part, then imaginary part")
}

@Test func rootsOfQuadraticWithComplexPair() throws {
    // x^2 + 2x + 5 = (x + 1)^2 + 4: roots -1 -/+ 2i
    let roots = try Polynomial.roots([5, 2, 1])
    #expect(roots.count == 2)
    for (r, e) in zip(roots, [Complex(-1.0, -2), Complex(-1.0, 2)]) { #expect((r - e).length <= 1e-12) }
}

@Test func linearAndConstantPolynomials() throws {
    let linear = try Polynomial.roots([6, -2])  // 6 - 2x
    #expect(linear.count == 1)
    #expect((linear[0] - Complex(3, 0)).length <= 1e-15)
    #expect(try Polynomial.roots([4.5]).isEmpty, "a non-zero constant has no roots")
}

@Test func trailingZeroHighestOrderCoefficientsAreTrimmed() throws {
    // [2, -3, 1, 0, 0] is x^2 - 3x + 2 = (x - 1)(x - 2), not a quartic.
    let roots = try Polynomial.roots([2, -3, 1, 0, 0])
    #expect(roots.count == 2)
    #expect(matchedDistance(roots, real([1, 2])) <= 1e-12)
    // Trimming down to degree 1 and to a constant.
    #expect(matchedDistance(try Polynomial.roots([6, -2, 0]), real([3])) <= 1e-15)
    #expect(try Polynomial.roots([4.5, 0, 0]).isEmpty)
}

@Test(arguments: [[2.0, -3, 1, 0], [1, 1, 0, 0], [6, -2, 0], [4.5, 0]])
func zeroLeadingCoefficientWithoutTrimmingThrowsGSLError(coefficients: [Double]) {
    // GSL's default handler would abort() here; reaching the check at all shows the process survived.
    let error = #expect(throws: GSLError.self) { try Polynomial.roots(coefficients, trimZeroLeading: false) }
    #expect(error?.status == Int32(GSL_EINVAL), "\(coefficients): \(String(describing: error))")
}

@Test func zeroPolynomialThrows() {
    #expect(throws: NumericalError.self) { try Polynomial.roots([0, 0, 0]) }
    #expect(throws: NumericalError.self) { try Polynomial.roots([0]) }
    #expect(throws: NumericalError.self) { try Polynomial.roots([]) }
    #expect(throws: (any Error).self) { try Polynomial.roots([0, 0, 0], trimZeroLeading: false) }
    #expect(throws: (any Error).self) { try Polynomial.roots([0], trimZeroLeading: false) }
}

@Test func nonFiniteCoefficientsThrow() {
    #expect(throws: NumericalError.self) { try Polynomial.roots([1, .nan, 1]) }
    #expect(throws: NumericalError.self) { try Polynomial.roots([1, 2, .infinity]) }
    #expect(throws: NumericalError.self) { try Polynomial.realCubicRoots(a3: 1, a2: .nan, a1: 0, a0: 0) }
}

@Test func realCubicRootsOfThreeDistinctRoots() throws {
    // (x - 1)(x - 2)(x - 3), and the same scaled by -2 (the leading coefficient is divided out).
    for scale in [1.0, -2.0] {
        let roots = try Polynomial.realCubicRoots(a3: scale, a2: -6 * scale, a1: 11 * scale, a0: -6 * scale)
        #expect(roots.count == 3)
        #expect(Vector.maxAbsDifference(roots, [1, 2, 3]) <= 1e-12, "scale \(scale): \(roots)")
    }
    // (x + 4)(x - 0.5)(x - 10)
    let spread = try Polynomial.realCubicRoots(a3: 1, a2: -6.5, a1: -37, a0: 20)
    #expect(spread.count == 3)
    #expect(Vector.maxAbsDifference(spread, [-4, 0.5, 10]) <= 1e-12, "\(spread)")
}

@Test func realCubicRootsReportsADoubleRootTwice() throws {
    // 2 (x - 1)^2 (x - 2) = 2x^3 - 8x^2 + 10x - 4
    let roots = try Polynomial.realCubicRoots(a3: 2, a2: -8, a1: 10, a0: -4)
    #expect(roots.count == 3)
    #expect(Vector.maxAbsDifference(roots, [1, 1, 2]) <= 1e-12, "\(roots)")
    // (x + 3)(x - 2)^2 = x^3 - x^2 - 8x + 12: the double root is the larger one.
    let upper = try Polynomial.realCubicRoots(a3: 1, a2: -1, a1: -8, a0: 12)
    #expect(upper.count == 3)
    #expect(Vector.maxAbsDifference(upper, [-3, 2, 2]) <= 1e-12, "\(upper)")
    // (x - 1)^3: a triple root.
    let triple = try Polynomial.realCubicRoots(a3: 1, a2: -3, a1: 3, a0: -1)
    #expect(triple.count == 3)
    #expect(Vector.maxAbsDifference(triple, [1, 1, 1]) <= 1e-12, "\(triple)")
}

@Test func realCubicRootsWithOneRealRoot() throws {
    // (x - 2)(x^2 + 1) = x^3 - 2x^2 + x - 2
    let roots = try Polynomial.realCubicRoots(a3: 1, a2: -2, a1: 1, a0: -2)
    #expect(roots.count == 1)
    #expect(abs(roots[0] - 2) <= 1e-12)
    // x^3 + 8 = (x + 2)(x^2 - 2x + 4)
    let cubeRoot = try Polynomial.realCubicRoots(a3: 1, a2: 0, a1: 0, a0: 8)
    #expect(cubeRoot.count == 1)
    #expect(abs(cubeRoot[0] + 2) <= 1e-12)
}

@Test func realCubicRootsFallsBackToLowerDegree() throws {
    // a3 = 0: x^2 - 3x + 2
    #expect(Vector.maxAbsDifference(try Polynomial.realCubicRoots(a3: 0, a2: 1, a1: -3, a0: 2), [1, 2]) <= 1e-12)
    // a3 = 0, no real roots: x^2 + 1
    #expect(try Polynomial.realCubicRoots(a3: 0, a2: 1, a1: 0, a0: 1).isEmpty)
    // a3 = a2 = 0: 4x - 2
    #expect(try Polynomial.realCubicRoots(a3: 0, a2: 0, a1: 4, a0: -2) == [0.5])
    // a constant has no isolated roots
    #expect(throws: NumericalError.self) { try Polynomial.realCubicRoots(a3: 0, a2: 0, a1: 0, a0: 1) }
}
