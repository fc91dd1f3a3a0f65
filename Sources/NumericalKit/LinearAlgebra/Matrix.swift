import CGSL

/// A dense real matrix in row-major storage, laid out exactly as GSL's `gsl_matrix` and row-major
/// CBLAS/LAPACKE expect, so they read it without copying.
public struct Matrix: Equatable, Sendable {
    public let rows: Int
    public let columns: Int
    /// Row-major entries: element (i, j) is `elements[i * columns + j]`.
    public var elements: [Double]

    public init(rows: Int, columns: Int, elements: [Double]) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        precondition(elements.count == rows * columns, "expected \(rows * columns) elements, got \(elements.count)")
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        self.init(rows: rows, columns: columns, elements: Array(repeating: value, count: rows * columns))
    }

    /// Builds a matrix from its rows (all of equal length).
    public init(_ rowArrays: [[Double]]) {
        let r = rowArrays.count
        let c = rowArrays.first?.count ?? 0
        precondition(rowArrays.allSatisfy { $0.count == c }, "rows must have equal length")
        self.init(rows: r, columns: c, elements: rowArrays.flatMap { $0 })
    }

    /// Builds a matrix entry by entry.
    public init(rows: Int, columns: Int, _ entry: (Int, Int) -> Double) {
        var e = [Double]()
        e.reserveCapacity(rows * columns)
        for i in 0..<rows { for j in 0..<columns { e.append(entry(i, j)) } }
        self.init(rows: rows, columns: columns, elements: e)
    }

    public static func identity(_ n: Int) -> Matrix { diagonal(Array(repeating: 1, count: n)) }

    public static func diagonal(_ d: [Double]) -> Matrix {
        Matrix(rows: d.count, columns: d.count) { i, j in i == j ? d[i] : 0 }
    }

    public var isSquare: Bool { rows == columns }

    public subscript(i: Int, j: Int) -> Double {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    public func row(_ i: Int) -> [Double] { Array(elements[(i * columns)..<((i + 1) * columns)]) }

    public var transposed: Matrix { Matrix(rows: columns, columns: rows) { i, j in self[j, i] } }

    /// Frobenius norm, sqrt(sum of squared entries).
    public var frobeniusNorm: Double { Vector.norm(elements) }

    /// Largest |A_ij - A_ji|; zero for a symmetric matrix.
    public var asymmetry: Double {
        precondition(isSquare)
        var m = 0.0
        for i in 0..<rows { for j in (i + 1)..<max(i + 1, columns) { m = max(m, abs(self[i, j] - self[j, i])) } }
        return m
    }

    /// Calls `body` with a `gsl_matrix` view of this matrix's storage (no copy). The view must not escape.
    public func withGSLMatrix<R>(_ body: (UnsafePointer<gsl_matrix>) throws -> R) rethrows -> R {
        precondition(rows > 0 && columns > 0, "GSL cannot view an empty matrix")
        return try elements.withUnsafeBufferPointer { buf in
            var view = gsl_matrix_const_view_array(buf.baseAddress, rows, columns)
            return try withUnsafePointer(to: &view.matrix) { try body($0) }
        }
    }

    /// Calls `body` with a mutable `gsl_matrix` view of this matrix's storage (no copy).
    public mutating func withMutableGSLMatrix<R>(_ body: (UnsafeMutablePointer<gsl_matrix>) throws -> R) rethrows -> R {
        precondition(rows > 0 && columns > 0, "GSL cannot view an empty matrix")
        let (r, c) = (rows, columns)
        return try elements.withUnsafeMutableBufferPointer { buf in
            var view = gsl_matrix_view_array(buf.baseAddress, r, c)
            return try withUnsafeMutablePointer(to: &view.matrix) { try body($0) }
        }
    }
}

/// Small helpers on plain `[Double]` vectors.
public enum Vector {
    /// Euclidean norm (BLAS dnrm2, which guards against overflow).
    public static func norm(_ x: [Double]) -> Double {
        x.isEmpty ? 0 : x.withUnsafeBufferPointer { cblas_dnrm2(Int32(x.count), $0.baseAddress, 1) }
    }

    public static func dot(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        return x.isEmpty ? 0 : cblas_ddot(Int32(x.count), x, 1, y, 1)
    }

    /// Largest |x_i - y_i|.
    public static func maxAbsDifference(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        return zip(x, y).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }
}
