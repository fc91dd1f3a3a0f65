import Testing
import NumericalKit

// BLAS-backed products against the naive loops in TestSupport.swift. Entries are N(0, 1) and the
// inner dimensions are at most 9, so a tolerance of 1e-12 leaves ~100x room over rounding error.

private let tolerance = 1e-12

/// (rows of op(A), inner dimension, columns of op(B)), including degenerate 1-wide shapes.
private let shapes: [(Int, Int, Int)] = [(3, 5, 4), (1, 7, 2), (6, 1, 3), (4, 4, 4), (5, 9, 1)]

@Test(arguments: [false, true], [false, true])
func gemmMatchesTripleLoopForRectangularShapesAndTransposes(transposeA: Bool, transposeB: Bool) {
    let stream = RandomStream(seed: 11, task: UInt64((transposeA ? 2 : 0) + (transposeB ? 1 : 0)))
    for (m, k, n) in shapes {
        // Store A and B so that op(A) is m x k and op(B) is k x n.
        let a = transposeA ? gaussianMatrix(rows: k, columns: m, stream) : gaussianMatrix(rows: m, columns: k, stream)
        let b = transposeB ? gaussianMatrix(rows: n, columns: k, stream) : gaussianMatrix(rows: k, columns: n, stream)
        let c0 = gaussianMatrix(rows: m, columns: n, stream)
        let (alpha, beta) = (1.5, -0.75)

        var c = c0
        Matrix.gemm(a, transposeA: transposeA, b, transposeB: transposeB, alpha: alpha, beta: beta, into: &c)

        let opA = transposeA ? naiveTranspose(a) : a
        let opB = transposeB ? naiveTranspose(b) : b
        let ab = naiveProduct(opA, opB)
        let expected = Matrix(rows: m, columns: n) { i, j in alpha * ab[i, j] + beta * c0[i, j] }
        #expect(maxAbsDifference(c, expected) <= tolerance, "m=\(m) k=\(k) n=\(n)")
    }
}

@Test func productOperatorMatchesTripleLoop() {
    let stream = RandomStream(seed: 12)
    for (m, k, n) in shapes {
        let a = gaussianMatrix(rows: m, columns: k, stream)
        let b = gaussianMatrix(rows: k, columns: n, stream)
        let c = a * b
        #expect(c.rows == m && c.columns == n)
        #expect(maxAbsDifference(c, naiveProduct(a, b)) <= tolerance, "m=\(m) k=\(k) n=\(n)")
    }
}

@Test func gemmWithEmptyInnerDimensionScalesC() {
    // op(A) op(B) is the zero m x n matrix when k = 0, so C becomes beta * C.
    let a = Matrix(rows: 2, columns: 0)
    let b = Matrix(rows: 0, columns: 3)
    let c0 = Matrix([[1, 2, 3], [4, 5, 6]])
    var c = c0
    Matrix.gemm(a, b, alpha: 2, beta: -0.5, into: &c)
    #expect(c.elements == c0.elements.map { -0.5 * $0 })
}

@Test(arguments: [(7, 4), (3, 6), (1, 5), (5, 1), (9, 9)])
func gramEqualsATransposeA(rows: Int, columns: Int) {
    let a = gaussianMatrix(rows: rows, columns: columns, RandomStream(seed: 13, task: UInt64(rows * 10 + columns)))
    let g = a.gram
    #expect(g.rows == columns && g.columns == columns)
    #expect(maxAbsDifference(g, naiveProduct(naiveTranspose(a), a)) <= tolerance)
    #expect(g.asymmetry == 0, "the Gram matrix must be exactly symmetric")
}

@Test func matrixVectorProductMatchesLoop() {
    let stream = RandomStream(seed: 14)
    for (rows, columns) in [(4, 6), (6, 4), (1, 3), (3, 1)] {
        let a = gaussianMatrix(rows: rows, columns: columns, stream)
        let x = (0..<columns).map { _ in stream.gaussian() }
        let y = a * x
        let expected = (0..<rows).map { i in (0..<columns).reduce(0.0) { $0 + a[i, $1] * x[$1] } }
        #expect(y.count == rows)
        #expect(Vector.maxAbsDifference(y, expected) <= tolerance, "\(rows)x\(columns)")
    }
}

@Test func storageIsRowMajorAndTransposeSwapsIndices() {
    let a = Matrix([[1, 2, 3], [4, 5, 6]])
    #expect(a.elements == [1, 2, 3, 4, 5, 6])
    #expect(a[1, 0] == 4 && a[0, 2] == 3)
    #expect(a.row(1) == [4, 5, 6])
    let t = a.transposed
    #expect(t.rows == 3 && t.columns == 2)
    #expect(t.elements == [1, 4, 2, 5, 3, 6])
}

@Test func vectorNormAndDotMatchLoops() {
    let stream = RandomStream(seed: 15)
    let x = (0..<17).map { _ in stream.gaussian() }
    let y = (0..<17).map { _ in stream.gaussian() }
    let dot = zip(x, y).reduce(0.0) { $0 + $1.0 * $1.1 }
    let norm = x.reduce(0.0) { $0 + $1 * $1 }.squareRoot()
    #expect(abs(Vector.dot(x, y) - dot) <= tolerance)
    #expect(abs(Vector.norm(x) - norm) <= tolerance * norm)
    #expect(Vector.norm([]) == 0)
    // dnrm2 scales to avoid overflow, where the naive sum of squares would give infinity.
    #expect(abs(Vector.norm([3e200, 4e200]) / 5e200 - 1) <= 1e-15)
    let m = Matrix([[3, 0], [0, 4]])
    #expect(m.frobeniusNorm == 5)
}

@Test func finiteDifferenceJacobianOfALinearFieldIsItsMatrix() {
    // f(y) = A y + (y_0^2, 0, ...): the Jacobian is A plus 2 y_0 in the corner.
    let a = Matrix([[1, 2, 0], [-1, 0.5, 3], [0, 4, -2]])
    let field: VectorField = { _, y, f in
        for i in 0..<3 { f[i] = (0..<3).reduce(0) { $0 + a[i, $1] * y[$1] } }
        f[0] += y[0] * y[0]
    }
    let y = [0.3, -1.2, 2.0]
    var expected = a
    expected[0, 0] += 2 * y[0]
    let jacobian = FiniteDifference.jacobian(of: field, at: y)
    #expect(Vector.maxAbsDifference(jacobian.elements, expected.elements) < 1e-8)
}
