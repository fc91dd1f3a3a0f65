import Testing
import NumericalKit

// Eigenvectors, thin SVD and thin QR checked against their defining identities with plain-loop products.

/// A random symmetric n x n matrix (B + B^T)/2.
private func randomSymmetric(_ n: Int, seed: UInt64) -> Matrix {
    let b = gaussianMatrix(rows: n, columns: n, RandomStream(seed: seed))
    return Matrix(rows: n, columns: n) { i, j in 0.5 * (b[i, j] + b[j, i]) }
}

@Test func symmetricEigenvectorsSatisfyAVEqualsVLambdaAndAreOrthonormal() throws {
    let n = 30
    let a = randomSymmetric(n, seed: 31)
    let system = try Eigen.symmetricEigensystem(a)
    let v = system.vectors
    #expect(maxAbsDifference(naiveProduct(naiveTranspose(v), v), .identity(n)) <= 1e-13)
    let av = naiveProduct(a, v)
    let vLambda = naiveProduct(v, .diagonal(system.values))
    #expect(maxAbsDifference(av, vLambda) <= 1e-12 * a.frobeniusNorm)
    #expect(isStrictlyIncreasing(system.values), "eigenvalues must be ascending (distinct for a random matrix)")
    let valuesOnly = try Eigen.symmetricEigenvalues(a, solver: .gsl)
    #expect(Vector.maxAbsDifference(system.values, valuesOnly) <= 1e-12 * a.frobeniusNorm)
}

@Test func symmetricEigensystemReadsOnlyTheLowerTriangle() throws {
    let n = 8
    let a = randomSymmetric(n, seed: 32)
    let lowerOnly = Matrix(rows: n, columns: n) { i, j in i >= j ? a[i, j] : 1e6 }
    let system = try Eigen.symmetricEigensystem(lowerOnly)
    let residual = maxAbsDifference(naiveProduct(a, system.vectors), naiveProduct(system.vectors, .diagonal(system.values)))
    #expect(residual <= 1e-12 * a.frobeniusNorm)
}

@Test(arguments: [(12, 5), (5, 12), (9, 9)])
func thinSVDReconstructsTheMatrixWithOrthonormalFactors(shape: (Int, Int)) throws {
    let (m, n) = shape
    let a = gaussianMatrix(rows: m, columns: n, RandomStream(seed: 33))
    let svd = try ThinSVD(a)
    let k = min(m, n)
    #expect(svd.u.rows == m && svd.u.columns == k && svd.vt.rows == k && svd.vt.columns == n)
    #expect(maxAbsDifference(naiveProduct(naiveTranspose(svd.u), svd.u), .identity(k)) <= 1e-13)
    #expect(maxAbsDifference(naiveProduct(svd.vt, naiveTranspose(svd.vt)), .identity(k)) <= 1e-13)
    let usv = naiveProduct(naiveProduct(svd.u, .diagonal(svd.singularValues)), svd.vt)
    #expect(maxAbsDifference(usv, a) <= 1e-13 * a.frobeniusNorm)
    #expect(zip(svd.singularValues, svd.singularValues.dropFirst()).allSatisfy { $0 >= $1 })
    #expect(svd.singularValues.allSatisfy { $0 >= 0 })
}

@Test func thinSVDNumericalRankOfAProductOfThinFactorsIsTheirInnerDimension() throws {
    let stream = RandomStream(seed: 34)
    let a = naiveProduct(gaussianMatrix(rows: 20, columns: 3, stream), gaussianMatrix(rows: 3, columns: 15, stream))
    let svd = try ThinSVD(a)
    #expect(svd.numericalRank() == 3)
    #expect(svd.singularValues[3] <= 1e-13 * svd.singularValues[0])
}

@Test func thinQRFactorIsOrthonormalAndSpansTheColumns() throws {
    let a = gaussianMatrix(rows: 15, columns: 4, RandomStream(seed: 35))
    let q = try a.thinQRFactorQ()
    #expect(q.rows == 15 && q.columns == 4)
    #expect(maxAbsDifference(naiveProduct(naiveTranspose(q), q), .identity(4)) <= 1e-14)
    // Q Q^T projects onto span(A), so it reproduces A.
    let reprojected = naiveProduct(q, naiveProduct(naiveTranspose(q), a))
    #expect(maxAbsDifference(reprojected, a) <= 1e-13 * a.frobeniusNorm)
}

@Test func decompositionsRejectBadShapesAndNonFiniteEntries() {
    #expect(throws: NumericalError.self) { try Eigen.symmetricEigensystem(Matrix(rows: 2, columns: 3)) }
    #expect(throws: NumericalError.self) { try Matrix(rows: 2, columns: 3).thinQRFactorQ() }
    var a = Matrix.identity(3)
    a[0, 1] = .nan
    #expect(throws: NumericalError.nonFiniteInput("matrix")) { try Eigen.symmetricEigensystem(a) }
    #expect(throws: NumericalError.nonFiniteInput("matrix")) { try ThinSVD(a) }
    #expect(throws: NumericalError.nonFiniteInput("matrix")) { try a.thinQRFactorQ() }
}
