import NumericalKit

/// Orthogonal Weight Modification projectors (loco.md 4.1, Zeng et al. 2019): keep the part of the update
/// orthogonal to stored input directions, so the layer's response to those inputs does not change.
public enum OWM {
    /// The exact complement P = I - A (A^T A)^+ A^T of span A, for directions as the columns of A (n_in x k).
    /// Directions are kept when their singular value exceeds the numerical-rank cutoff, so a rank-deficient A
    /// gives the pseudo-inverse form rather than an error.
    public static func exactComplement(of a: Matrix) throws -> ComplementProjector {
        let svd = try decompose(a)
        let r = svd.numericalRank()
        let u = Matrix(rows: a.rows, columns: r) { i, j in svd.u[i, j] }
        return ComplementProjector(removedBasis: u, weights: Array(repeating: 1, count: r))
    }

    /// The regularised operator P = I - A (A^T A + alpha I)^{-1} A^T = alpha (A A^T + alpha I)^{-1}, alpha > 0.
    /// From A = U S V^T it is I - U diag(s^2 / (s^2 + alpha)) U^T: symmetric, eigenvalues in (0, 1], not idempotent.
    public static func regularisedComplement(of a: Matrix, alpha: Double) throws -> ComplementProjector {
        guard alpha > 0, alpha.isFinite else { throw ParameterError("alpha must be positive and finite, got \(alpha)") }
        let svd = try decompose(a)
        let weights = svd.singularValues.map { $0 * $0 / ($0 * $0 + alpha) }
        return ComplementProjector(removedBasis: svd.u, weights: weights)
    }

    private static func decompose(_ a: Matrix) throws -> ThinSVD {
        guard a.rows > 0 else { throw ProjectionError.emptyInput("input dimension of the direction matrix") }
        guard a.columns > 0 else { throw ProjectionError.emptyInput("direction matrix A (no columns)") }
        try requireFinite(a, "direction matrix A")
        return try ThinSVD(a)
    }
}

/// OWM's recursive (RLS) form, one direction at a time from P_0 = I:
/// P <- P - P x x^T P / (alpha + x^T P x). It equals alpha (A A^T + alpha I)^{-1} for the directions seen,
/// and with alpha = 0 the exact complement. It holds P densely (n_in x n_in), as the OWM code does.
public struct RecursiveOWM: PresynapticProjector {
    public let alpha: Double
    /// The current P (symmetric).
    public private(set) var matrix: Matrix
    /// Directions added (including those skipped because they lay in the removed span).
    public private(set) var count = 0

    /// Starts from P = I. alpha >= 0; alpha = 0 gives exact Gram-Schmidt-like deflation.
    public init(inputDimension n: Int, alpha: Double) throws {
        guard n > 0 else { throw ParameterError("input dimension must be positive, got \(n)") }
        guard alpha >= 0, alpha.isFinite else { throw ParameterError("alpha must be >= 0 and finite, got \(alpha)") }
        self.alpha = alpha
        matrix = .identity(n)
    }

    public var inputDimension: Int { matrix.rows }

    /// Adds one direction x. With alpha = 0, a direction whose remaining part x^T P x is below
    /// 1e-12 ||x||^2 (already removed) leaves P unchanged instead of dividing by roundoff.
    public mutating func add(_ x: [Double]) throws {
        let n = inputDimension
        guard x.count == n else { throw ProjectionError.dimensionMismatch(what: "direction", expected: n, got: x.count) }
        guard x.allSatisfy(\.isFinite) else { throw ProjectionError.nonFiniteInput("direction") }
        count += 1
        var k = [Double](repeating: 0, count: n)
        matrix.elements.withUnsafeBufferPointer { p in
            BLAS.gemv(rows: n, columns: n, alpha: 1, p.baseAddress!, x, beta: 0, &k)
        }
        let xPx = Vector.dot(x, k)
        let denominator = alpha + xPx
        if alpha == 0 && xPx <= 1e-12 * Vector.dot(x, x) { return }
        matrix.elements.withUnsafeMutableBufferPointer { p in
            BLAS.ger(rows: n, columns: n, alpha: -1 / denominator, k, k, p.baseAddress!)
        }
    }

    /// M P (one dgemm; P is dense here).
    public func apply(_ m: Matrix) -> Matrix { m * matrix }
    public func denseMatrix() -> Matrix { matrix }
}
