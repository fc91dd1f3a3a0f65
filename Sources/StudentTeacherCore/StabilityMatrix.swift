import NumericalKit

/// The stability matrix of the linear two-layer network M -> N -> 1 under curl descent (curl-descent.md 2.2, 3):
/// K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric), with D1, D2 the column-convention signs. The error u = w2 W1 - w*
/// obeys du/dt = -sigma_x^2 u K under the linear flow, and on the solution manifold the Jacobian's non-zero
/// eigenvalues are -sigma_x^2 eig(K): lambda_min(K) > 0 is stability. Built here once, as a product, for the flows,
/// the random-matrix theory's finite-size samples and node perturbation's flipped-learning study.
public enum StabilityMatrix {
    /// W1^T D2 W1 (M x M) as one dgemm of W1^T with D2 W1 (D2 = I when `rowSigns` is nil, and no copy is made); the
    /// upper triangle is mirrored into the lower, so the result is exactly symmetric whatever order BLAS summed in.
    public static func product(w1: Matrix, rowSigns d2: [Double]? = nil) -> Matrix {
        let (n, m) = (w1.rows, w1.columns)
        var p = Matrix(rows: m, columns: m)
        guard m > 0, n > 0 else { return p }
        var signed = w1
        if let d2 {
            precondition(d2.count == n, "D2 needs \(n) signs, got \(d2.count)")
            signed = SignMatrices.applyToRows(d2, of: w1)
        }
        Matrix.gemm(w1, transposeA: true, signed, into: &p)
        for i in 0..<m { for j in 0..<i { p[i, j] = p[j, i] } }
        return p
    }

    /// `p` + |w2|^2 D1: the diagonal term added to a product W1^T D2 W1.
    public static func addingDiagonal(to p: Matrix, readoutNormSquared w2Squared: Double, signs d1: [Double]) -> Matrix {
        precondition(p.rows == p.columns && d1.count == p.rows, "D1 needs \(p.rows) signs, got \(d1.count)")
        var k = p
        for j in 0..<p.rows { k[j, j] += w2Squared * d1[j] }
        return k
    }

    /// Flips the first `k` hidden neurons in D2 of `unflipped`, a K (or product) built with those neurons unflipped:
    /// W1^T D2 W1 changes by the rank-k downdate -2 R^T R, R the first k rows of W1 (one dgemm with k inner terms
    /// instead of N), for callers that need K at many flip counts of one W1.
    public static func flippingFirstRows(_ k: Int, of w1: Matrix, in unflipped: Matrix) -> Matrix {
        precondition((0...w1.rows).contains(k) && unflipped.rows == w1.columns && unflipped.columns == w1.columns)
        var p = unflipped
        guard k > 0 else { return p }
        let m = w1.columns
        w1.elements.withUnsafeBufferPointer { w in
            p.elements.withUnsafeMutableBufferPointer { out in
                BLAS.gemm(transposeA: true, m: m, n: m, k: k, alpha: -2, w.baseAddress!, w.baseAddress!, beta: 1, out.baseAddress!)
            }
        }
        return p
    }

    /// K = |w2|^2 D1 + W1^T D2 W1 for W1 (N x M), the readout w2 (N entries) and column-convention signs.
    public static func build(w1: Matrix, w2: [Double], signs: SignMatrices) -> Matrix {
        precondition(signs.convention == .column && signs.layers.count == 2 && signs.d1.count == w1.columns && signs.d2.count == w1.rows
                     && w2.count == w1.rows, "K needs column-convention signs over the \(w1.columns) inputs and \(w1.rows) hidden neurons")
        return addingDiagonal(to: product(w1: w1, rowSigns: signs.d2), readoutNormSquared: Vector.dot(w2, w2), signs: signs.d1)
    }

    /// K of a linear `MLP` M -> N -> 1 (W1 = weights[0], w2 = weights[1]) under column-convention signs.
    public static func build(network: MLP, signs: SignMatrices) throws -> Matrix {
        guard network.layerCount == 2, network.outputCount == 1, network.activations == [.linear] else {
            throw ParameterError("the stability matrix needs a linear M -> N -> 1 network, got widths \(network.widths)")
        }
        guard signs.convention == .column, signs.layers.count == 2, signs.d1.count == network.widths[0], signs.d2.count == network.widths[1] else {
            throw ParameterError("signs do not match the network widths \(network.widths)")
        }
        return build(w1: network.weights[0], w2: network.weights[1].elements, signs: signs)
    }
}
