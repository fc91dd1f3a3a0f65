import NumericalKit

/// Low-rank principal subspaces of a batch of inputs (rows of X, B x n_in), loco.md 4.2 step 6.
public enum PrincipalSubspace {
    /// The spec's V: the batch mean mu followed by the top (r - 1) principal directions of the centred batch
    /// (eigenvectors of the sample covariance by decreasing eigenvalue), as rows (at most r x n_in).
    /// Directions with zero variance are not included: a batch of B inputs has at most B - 1 of them, and
    /// the rest would be arbitrary null-space vectors (gradient rows lie in the batch span, so they never matter).
    public static func directions(batch x: Matrix, rank r: Int) throws -> Matrix {
        try validate(batch: x, rank: r)
        let (b, n) = (x.rows, x.columns)
        let mean = LOCO.batchMean(x)
        var centred = x
        for i in 0..<b { for j in 0..<n { centred[i, j] -= mean[j] } }

        var rows = mean
        let wanted = r - 1
        if wanted > 0 && b > 1 {
            if b <= n {
                // Right singular vectors of the centred batch = covariance eigenvectors; never forms n x n.
                let svd = try ThinSVD(centred)
                let kept = min(wanted, svd.numericalRank())
                rows += svd.vt.elements.prefix(kept * n)
            } else {
                // More samples than dimensions: the n x n covariance is the smaller problem.
                let system = try Eigen.symmetricEigensystem(centred.gram)
                let top = system.values.last ?? 0
                let cutoff = Double.ulpOfOne * Double(max(b, n)) * max(top, 0)
                let order = (0..<n).reversed().filter { system.values[$0] > cutoff }.prefix(wanted)
                for j in order { for i in 0..<n { rows.append(system.vectors[i, j]) } }
            }
        }
        return Matrix(rows: rows.count / n, columns: n, elements: rows)
    }

    /// P = Q Q^T onto span[mu, top r - 1 principal directions] of the batch; Q has at most r columns.
    public static func projector(batch x: Matrix, rank r: Int) throws -> SubspaceProjector {
        let v = try directions(batch: x, rank: r)
        return SubspaceProjector(orthonormalBasis: GramSchmidt.orthonormalBasis(rows: v, residualThreshold: 1e-10))
    }

    /// A control projector whose range contains every input of the batch: the row space of X, plus
    /// `extraDimensions` random directions (seeded) orthogonal to it. On these inputs it changes nothing.
    public static func containsEveryInput(batch x: Matrix, extraDimensions: Int = 0, seed: UInt64 = 0) throws -> SubspaceProjector {
        guard x.rows > 0, x.columns > 0 else { throw ProjectionError.emptyInput("batch") }
        try requireFinite(x, "batch")
        let svd = try ThinSVD(x)
        let rank = svd.numericalRank()
        guard extraDimensions >= 0, rank + extraDimensions <= x.columns else {
            throw ProjectionError.rankExceedsDimension(rank: rank + extraDimensions, dimension: x.columns)
        }
        let n = x.columns
        var rows = Array(svd.vt.elements.prefix(rank * n))
        let stream = RandomStream(seed: seed, role: NPStreams.subspaceDirections)
        // Oversample the random candidates; Gram-Schmidt drops any that fall (numerically) into the span.
        let candidates = extraDimensions == 0 ? 0 : extraDimensions + 2
        rows += stream.gaussians(candidates * n)
        let all = Matrix(rows: rows.count / n, columns: n, elements: rows)
        let q = GramSchmidt.orthonormalBasis(rows: all, residualThreshold: 1e-8, maxCount: rank + extraDimensions)
        return SubspaceProjector(orthonormalBasis: q)
    }

    static func validate(batch x: Matrix, rank r: Int) throws {
        guard x.rows > 0 else { throw ProjectionError.emptyInput("batch") }
        guard x.columns > 0 else { throw ProjectionError.emptyInput("input dimension") }
        guard r >= 1 else { throw ProjectionError.invalidRank(r) }
        guard r <= x.columns else { throw ProjectionError.rankExceedsDimension(rank: r, dimension: x.columns) }
        try requireFinite(x, "batch")
    }
}

/// Classical Gram-Schmidt with re-orthogonalisation (CGS2) on rows, through BLAS dgemv.
enum GramSchmidt {
    /// Orthonormal basis (n x q, as columns) of the rows of v taken in order. Row i is kept when its residual
    /// after removing the kept directions exceeds `residualThreshold * ||v_i||` (loco.md 4.2 step 7 uses 0.1)
    /// and ||v_i|| > `absoluteFloor` (guards rows that are roundoff only). Stops after `maxCount` kept rows.
    static func orthonormalBasis(rows v: Matrix, residualThreshold: Double, absoluteFloor: Double = 0,
                                 maxCount: Int = .max) -> Matrix {
        let n = v.columns
        var kept = [Double]()  // row-major, q x n
        var q = 0
        var coefficients = [Double](repeating: 0, count: v.rows)
        for i in 0..<v.rows {
            if q >= maxCount { break }
            var w = v.row(i)
            let original = Vector.norm(w)
            guard original > absoluteFloor, original > 0 else { continue }
            if q > 0 {
                kept.withUnsafeBufferPointer { k in
                    for _ in 0..<2 {
                        BLAS.gemv(rows: q, columns: n, alpha: 1, k.baseAddress!, w, beta: 0, &coefficients)
                        BLAS.gemv(transpose: true, rows: q, columns: n, alpha: -1, k.baseAddress!, coefficients, beta: 1, &w)
                    }
                }
            }
            let residual = Vector.norm(w)
            guard residual > residualThreshold * original else { continue }
            kept += w.map { $0 / residual }
            q += 1
        }
        return Matrix(rows: q, columns: n, elements: kept).transposed
    }
}
