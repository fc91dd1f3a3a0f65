import NumericalKit

/// A symmetric operator P on the presynaptic (input) side of a layer: a weight gradient G (n_out x n_in)
/// becomes G P, and an input x becomes P x (loco.md section 1). Applying never forms P when it is low rank.
public protocol PresynapticProjector: Sendable {
    /// n_in, the dimension P acts on.
    var inputDimension: Int { get }
    /// M P for any M with `inputDimension` columns. Since P is symmetric, row b of the result is P x_b
    /// when row b of M is the input x_b.
    func apply(_ m: Matrix) -> Matrix
    /// P as a dense n_in x n_in matrix (for tests and small sizes only).
    func denseMatrix() -> Matrix
}

public extension PresynapticProjector {
    /// P x for one input vector.
    func project(_ x: [Double]) -> [Double] {
        precondition(x.count == inputDimension, "vector has length \(x.count), expected \(inputDimension)")
        return apply(Matrix(rows: 1, columns: x.count, elements: x)).elements
    }
}

public enum Projection {
    /// G Q Q^T with two BLAS dgemm calls (cost 2 n_out n_in r); Q (n_in x r) must have orthonormal columns.
    public static func apply(_ g: Matrix, basis q: Matrix) -> Matrix {
        precondition(g.columns == q.rows, "G has \(g.columns) columns, the basis has dimension \(q.rows)")
        var gq = Matrix(rows: g.rows, columns: q.columns)
        Matrix.gemm(g, q, into: &gq)
        var out = Matrix(rows: g.rows, columns: g.columns)
        Matrix.gemm(gq, q, transposeB: true, into: &out)
        return out
    }
}

/// P = I: plain node perturbation.
public struct IdentityProjector: PresynapticProjector {
    public let inputDimension: Int
    public init(inputDimension: Int) { self.inputDimension = inputDimension }
    public func apply(_ m: Matrix) -> Matrix { m }
    public func denseMatrix() -> Matrix { .identity(inputDimension) }
}

/// The orthogonal projector P = Q Q^T onto the span of the orthonormal columns of Q (n_in x r).
public struct SubspaceProjector: PresynapticProjector {
    /// Q, n_in x r with orthonormal columns (r may be 0: P = 0).
    public let basis: Matrix

    /// Wraps a basis the caller guarantees to be orthonormal (checked only in shape).
    public init(orthonormalBasis q: Matrix) { basis = q }

    /// The projector onto the span of the columns of `a` (n_in x k, any rank); the basis comes from a thin SVD
    /// and keeps the singular directions above the numerical-rank cutoff.
    public init(spanning a: Matrix) throws {
        try requireFinite(a, "spanning set")
        let svd = try ThinSVD(a)
        let r = svd.numericalRank()
        basis = Matrix(rows: a.rows, columns: r) { i, j in svd.u[i, j] }
    }

    public var inputDimension: Int { basis.rows }
    /// r, the dimension of the kept subspace.
    public var rank: Int { basis.columns }

    public func apply(_ m: Matrix) -> Matrix { Projection.apply(m, basis: basis) }

    public func denseMatrix() -> Matrix {
        var p = Matrix(rows: basis.rows, columns: basis.rows)
        Matrix.gemm(basis, basis, transposeB: true, into: &p)
        return p
    }
}

/// P = I - U diag(w) U^T with U (n_in x k) orthonormal and weights w in [0, 1]: the OWM complement
/// (w = 1: exact orthogonal projector onto the complement of span U; 0 < w < 1: the regularised operator).
public struct ComplementProjector: PresynapticProjector {
    /// U, n_in x k, orthonormal columns spanning the removed directions.
    public let removedBasis: Matrix
    /// w_j, how much of direction j is removed.
    public let weights: [Double]

    public init(removedBasis u: Matrix, weights w: [Double]) {
        precondition(u.columns == w.count, "one weight per removed direction")
        removedBasis = u
        weights = w
    }

    public var inputDimension: Int { removedBasis.rows }
    /// True when every weight is 1, so P is idempotent (an orthogonal projector, not just a contraction).
    public var isExactProjector: Bool { weights.allSatisfy { $0 == 1 } }

    /// M - (M U) diag(w) U^T with two dgemm calls (cost 2 n_out n_in k).
    public func apply(_ m: Matrix) -> Matrix {
        precondition(m.columns == inputDimension, "matrix has \(m.columns) columns, expected \(inputDimension)")
        let k = removedBasis.columns
        var mu = Matrix(rows: m.rows, columns: k)
        Matrix.gemm(m, removedBasis, into: &mu)
        for i in 0..<m.rows { for j in 0..<k { mu[i, j] *= weights[j] } }
        var out = m
        Matrix.gemm(mu, removedBasis, transposeB: true, alpha: -1, beta: 1, into: &out)
        return out
    }

    public func denseMatrix() -> Matrix { apply(.identity(inputDimension)) }
}
