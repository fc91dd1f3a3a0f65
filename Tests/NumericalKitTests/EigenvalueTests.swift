import ComplexModule
import Foundation
import Testing
import NumericalKit

// Spectra known in closed form, then GSL against LAPACK. Every test runs for each solver choice
// (gsl, lapack, automatic), so each library is checked on its own as well as against the other.

/// Householder reflection I - 2 v v^T / (v^T v), built by hand.
private func householder(_ v: [Double]) -> Matrix {
    let vv = v.reduce(0) { $0 + $1 * $1 }
    return Matrix(rows: v.count, columns: v.count) { i, j in (i == j ? 1 : 0) - 2 * v[i] * v[j] / vv }
}

/// A random orthogonal matrix: the product of n Householder reflections with Gaussian directions.
private func randomOrthogonal(_ n: Int, _ stream: RandomStream) -> Matrix {
    var q = Matrix.identity(n)
    for _ in 0..<n { q = naiveProduct(q, householder((0..<n).map { _ in stream.gaussian() })) }
    return q
}

/// Coefficients (lowest order first) of the monic polynomial with these roots, by expanding the product.
private func monicCoefficients(roots: [Complex<Double>]) -> [Complex<Double>] {
    var c: [Complex<Double>] = [Complex(1, 0)]
    for r in roots {
        // (c_0 + c_1 x + ...) * (x - r)
        var next = [Complex<Double>](repeating: .zero, count: c.count + 1)
        for (k, ck) in c.enumerated() {
            next[k + 1] = next[k + 1] + ck
            next[k] = next[k] - r * ck
        }
        c = next
    }
    return c
}

@Test(arguments: EigenSolver.allCases)
func diagonalMatrixEigenvaluesAreItsDiagonal(solver: EigenSolver) throws {
    let d = [3.5, -2, 0, 7.25, -2, 1e-3]
    let a = Matrix.diagonal(d)
    let sorted = d.sorted()
    let symmetric = try Eigen.symmetricEigenvalues(a, solver: solver)
    #expect(Vector.maxAbsDifference(symmetric, sorted) <= 1e-14)
    let general = try Eigen.eigenvalues(a, solver: solver)
    #expect(general.map(\.real) == sorted)
    #expect(general.allSatisfy { $0.imaginary == 0 })
}

@Test(arguments: EigenSolver.allCases)
func rotationMatrixEigenvaluesAreCosPlusMinusISin(solver: EigenSolver) throws {
    for theta in [0.3, 1.0, 2.5, -0.7] {
        let (c, s) = (cos(theta), sin(theta))
        let rotation = Matrix([[c, -s], [s, c]])
        let values = try Eigen.eigenvalues(rotation, solver: solver)
        // Sorted by real part, then imaginary part: the conjugate with negative imaginary part first.
        let expected = [Complex(c, -abs(s)), Complex(c, abs(s))]
        #expect(values.count == 2)
        for (v, e) in zip(values, expected) { #expect((v - e).length <= 1e-14, "theta = \(theta)") }
    }
}

@Test(arguments: EigenSolver.allCases)
func companionMatrixEigenvaluesAreThePolynomialRoots(solver: EigenSolver) throws {
    // Distinct real parts, so the sorted order is unambiguous.
    let roots = [Complex(-2.0, 0), Complex(-0.5, 0), Complex(0.25, 1.5), Complex(0.25, -1.5), Complex(1.0, 0), Complex(3.0, 0)]
    let coefficients = monicCoefficients(roots: roots)
    #expect(coefficients.allSatisfy { abs($0.imaginary) <= 1e-14 })
    let c = coefficients.map(\.real)
    let n = roots.count
    // Frobenius companion matrix: ones on the subdiagonal, -c_0 ... -c_{n-1} in the last column.
    let companion = Matrix(rows: n, columns: n) { i, j in j == n - 1 ? -c[i] : (i == j + 1 ? 1 : 0) }
    let values = try Eigen.eigenvalues(companion, solver: solver)
    let expected = roots.sorted { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
    #expect(values.count == n)
    for (v, e) in zip(values, expected) { #expect((v - e).length <= 1e-10, "expected \(e), got \(v)") }
}

@Test(arguments: EigenSolver.allCases)
func symmetricMatrixBuiltFromRandomOrthogonalBasisHasPrescribedSpectrum(solver: EigenSolver) throws {
    let lambda: [Double] = [-4, -1.5, -1.5, 0, 0.3, 1, 2, 2, 2, 5.5, 9, 12]
    let n = lambda.count
    let q = randomOrthogonal(n, RandomStream(seed: 21))
    let qtq = naiveProduct(naiveTranspose(q), q)
    #expect(maxAbsDifference(qtq, .identity(n)) <= 1e-13, "Q must be orthogonal for the test to mean anything")
    let a = naiveProduct(naiveProduct(q, .diagonal(lambda)), naiveTranspose(q))

    let tolerance = 1e-12 * 12  // ~ n * eps * max|lambda| with room to spare
    let symmetric = try Eigen.symmetricEigenvalues(a, solver: solver)
    #expect(Vector.maxAbsDifference(symmetric, lambda.sorted()) <= tolerance)
    // The general solver must find the same (real) spectrum.
    let general = try Eigen.eigenvalues(a, solver: solver)
    #expect(matchedDistance(general, lambda.map { Complex($0, 0) }) <= 1e-10)
}

@Test(arguments: EigenSolver.allCases)
func symmetricSolverReadsOnlyTheLowerTriangle(solver: EigenSolver) throws {
    let stream = RandomStream(seed: 22)
    let n = 8
    let b = gaussianMatrix(rows: n, columns: n, stream)
    let lowerOnly = Matrix(rows: n, columns: n) { i, j in i >= j ? b[i, j] : 1e6 * stream.gaussian() }
    let symmetrised = Matrix(rows: n, columns: n) { i, j in i >= j ? b[i, j] : b[j, i] }
    let fromLower = try Eigen.symmetricEigenvalues(lowerOnly, solver: solver)
    let reference = try Eigen.eigenvalues(symmetrised, solver: solver)
    #expect(reference.allSatisfy { abs($0.imaginary) <= 1e-12 })
    #expect(Vector.maxAbsDifference(fromLower, reference.map(\.real)) <= 1e-12)
}

@Test func eigenvaluesAreSortedByRealThenImaginaryPart() throws {
    let a = gaussianMatrix(rows: 40, columns: 40, RandomStream(seed: 23))
    for solver in EigenSolver.allCases {
        let values = try Eigen.eigenvalues(a, solver: solver)
        let ordered = zip(values, values.dropFirst()).allSatisfy { ($0.real, $0.imaginary) <= ($1.real, $1.imaginary) }
        #expect(ordered, "\(solver)")
        #expect(values.contains { $0.imaginary != 0 }, "a random 40x40 matrix should have complex eigenvalues")
    }
}

@Test func gslAndLapackAgreeOnRandomSymmetricMatrix() throws {
    let n = 150
    let b = gaussianMatrix(rows: n, columns: n, RandomStream(seed: 24))
    let a = Matrix(rows: n, columns: n) { i, j in 0.5 * (b[i, j] + b[j, i]) }
    let gsl = try Eigen.symmetricEigenvalues(a, solver: .gsl)
    let lapack = try Eigen.symmetricEigenvalues(a, solver: .lapack)
    #expect(gsl.count == n && lapack.count == n)
    #expect(Vector.maxAbsDifference(gsl, lapack) <= 1e-10 * a.frobeniusNorm)
    // Trace check, independent of either library: the eigenvalues sum to the trace.
    let trace = (0..<n).reduce(0.0) { $0 + a[$1, $1] }
    #expect(abs(gsl.reduce(0, +) - trace) <= 1e-10 * a.frobeniusNorm)
}

@Test func gslAndLapackAgreeOnRandomGeneralMatrix() throws {
    let n = 150
    let a = gaussianMatrix(rows: n, columns: n, RandomStream(seed: 25))
    let gsl = try Eigen.eigenvalues(a, solver: .gsl)
    let lapack = try Eigen.eigenvalues(a, solver: .lapack)
    #expect(gsl.count == n && lapack.count == n)
    let tolerance = 1e-10 * a.frobeniusNorm
    // Both are sorted by (real, imaginary); with distinct real parts this pairs them elementwise.
    let elementwise = zip(gsl, lapack).reduce(0.0) { max($0, ($1.0 - $1.1).length) }
    #expect(elementwise <= tolerance)
    #expect(matchedDistance(gsl, lapack) <= tolerance)
    let trace = (0..<n).reduce(0.0) { $0 + a[$1, $1] }
    let sum = gsl.reduce(Complex<Double>.zero, +)
    #expect(abs(sum.real - trace) <= tolerance && abs(sum.imaginary) <= tolerance)
}

@Test(arguments: EigenSolver.allCases)
func nonSquareOrNonFiniteMatricesThrow(solver: EigenSolver) {
    let rectangular = Matrix(rows: 2, columns: 3, repeating: 1)
    #expect(throws: NumericalError.self) { try Eigen.eigenvalues(rectangular, solver: solver) }
    #expect(throws: NumericalError.self) { try Eigen.symmetricEigenvalues(rectangular, solver: solver) }
    for bad in [Double.nan, .infinity] {
        var a = Matrix.identity(3)
        a[1, 2] = bad
        #expect(throws: NumericalError.nonFiniteInput("matrix")) { try Eigen.eigenvalues(a, solver: solver) }
        #expect(throws: NumericalError.nonFiniteInput("matrix")) { try Eigen.symmetricEigenvalues(a, solver: solver) }
    }
}
