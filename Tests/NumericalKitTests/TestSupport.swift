import ComplexModule
import NumericalKit

// Independent reference computations shared by the NumericalKit tests. Nothing here calls BLAS,
// LAPACK or GSL, so the tests compare the library against plain loops.

/// C = A B by the textbook triple loop.
func naiveProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
    precondition(a.columns == b.rows)
    return Matrix(rows: a.rows, columns: b.columns) { i, j in
        var sum = 0.0
        for l in 0..<a.columns { sum += a[i, l] * b[l, j] }
        return sum
    }
}

/// A^T by index swapping.
func naiveTranspose(_ a: Matrix) -> Matrix {
    Matrix(rows: a.columns, columns: a.rows) { i, j in a[j, i] }
}

/// A matrix of independent N(0, 1) entries drawn from `stream`.
func gaussianMatrix(rows: Int, columns: Int, _ stream: RandomStream) -> Matrix {
    Matrix(rows: rows, columns: columns, elements: (0..<(rows * columns)).map { _ in stream.gaussian() })
}

/// Largest |A_ij - B_ij| (matrices of equal shape).
func maxAbsDifference(_ a: Matrix, _ b: Matrix) -> Double {
    precondition(a.rows == b.rows && a.columns == b.columns)
    return zip(a.elements, b.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// The largest distance when every expected value is paired with the nearest still-unpaired computed value
/// (infinite when the counts differ). Order-free, so it does not depend on how ties are sorted.
func matchedDistance(_ computed: [Complex<Double>], _ expected: [Complex<Double>]) -> Double {
    guard computed.count == expected.count else { return .infinity }
    var unused = computed
    var worst = 0.0
    for e in expected {
        let k = unused.indices.min { (unused[$0] - e).length < (unused[$1] - e).length }!
        worst = max(worst, (unused[k] - e).length)
        unused.remove(at: k)
    }
    return worst
}

/// True when every element is strictly larger than the one before it.
func isStrictlyIncreasing(_ x: [Double]) -> Bool {
    zip(x, x.dropFirst()).allSatisfy { $0 < $1 }
}
