import Testing
import NumericalKit
@testable import NodePerturbation

// Projector algebra (loco.md 4.1, 4.4, 5.1 consequence 1): apply = G Q Q^T, OWM exact/regularised/recursive,
// the batch principal projector and the "contains every input" control. References use plain loops.

/// Shared builders and plain-loop references for the projection tests.
enum ProjectionFixtures {
    static func gaussian(rows: Int, columns: Int, _ stream: RandomStream) -> Matrix {
        Matrix(rows: rows, columns: columns, elements: stream.gaussians(rows * columns))
    }

    static func product(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows)
        return Matrix(rows: a.rows, columns: b.columns) { i, j in
            var s = 0.0
            for l in 0..<a.columns { s += a[i, l] * b[l, j] }
            return s
        }
    }

    static func transpose(_ a: Matrix) -> Matrix { Matrix(rows: a.columns, columns: a.rows) { i, j in a[j, i] } }

    static func maxAbs(_ a: Matrix, _ b: Matrix) -> Double {
        precondition(a.rows == b.rows && a.columns == b.columns)
        return zip(a.elements, b.elements).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    /// Largest |(P^2 - P)_ij| for a dense P.
    static func idempotencyDefect(_ p: Matrix) -> Double { maxAbs(product(p, p), p) }

    /// n x k matrix with orthonormal columns (QR of a Gaussian matrix).
    static func orthonormal(_ n: Int, _ k: Int, _ stream: RandomStream) throws -> Matrix {
        try gaussian(rows: n, columns: k, stream).thinQRFactorQ()
    }

    /// Column j of a matrix.
    static func column(_ a: Matrix, _ j: Int) -> [Double] { (0..<a.rows).map { a[$0, j] } }

    /// B inputs (rows) lying exactly in the span of the r orthonormal columns of `basis`, with a non-zero mean.
    static func inputsInSubspace(_ basis: Matrix, count b: Int, _ stream: RandomStream) -> Matrix {
        let coefficients = Matrix(rows: b, columns: basis.columns) { _, j in stream.gaussian() + (j == 0 ? 2 : 0) }
        return product(coefficients, transpose(basis))
    }

    /// A minibatch NP-style gradient (1/B) sum_b g_b x_b^T with random row factors: rows in the batch span.
    static func batchGradient(outputs: Int, inputs x: Matrix, _ stream: RandomStream) -> Matrix {
        let g = gaussian(rows: x.rows, columns: outputs, stream)
        let prod = product(transpose(g), x)
        return Matrix(rows: prod.rows, columns: prod.columns, elements: prod.elements.map { $0 / Double(x.rows) })
    }
}

private typealias F = ProjectionFixtures

@Test func applyComputesGQQTransposeAsTheDenseProduct() throws {
    let stream = RandomStream(seed: 101)
    let q = try F.orthonormal(20, 4, stream)
    let g = F.gaussian(rows: 7, columns: 20, stream)
    let dense = F.product(g, F.product(q, F.transpose(q)))
    #expect(F.maxAbs(Projection.apply(g, basis: q), dense) <= 1e-13)
    // A rank-0 basis projects everything to zero.
    let empty = Projection.apply(g, basis: Matrix(rows: 20, columns: 0))
    #expect(empty.elements.allSatisfy { $0 == 0 })
}

@Test func everyProjectorIsSymmetricAndIdempotent() throws {
    let stream = RandomStream(seed: 102)
    let n = 16
    let a = F.gaussian(rows: n, columns: 5, stream)
    let batch = F.gaussian(rows: 9, columns: n, stream)
    var recursive = try RecursiveOWM(inputDimension: n, alpha: 0)
    for j in 0..<a.columns { try recursive.add(F.column(a, j)) }
    let projectors: [(String, any PresynapticProjector)] = [
        ("subspace", try SubspaceProjector(spanning: a)),
        ("exact OWM", try OWM.exactComplement(of: a)),
        ("recursive OWM alpha 0", recursive),
        ("principal r=4", try PrincipalSubspace.projector(batch: batch, rank: 4)),
        ("contains every input", try PrincipalSubspace.containsEveryInput(batch: batch, extraDimensions: 2, seed: 3)),
        ("identity", IdentityProjector(inputDimension: n)),
    ]
    for (name, p) in projectors {
        let dense = p.denseMatrix()
        #expect(dense.asymmetry <= 1e-12, "\(name): asymmetry \(dense.asymmetry)")
        #expect(F.idempotencyDefect(dense) <= 1e-12, "\(name): |P^2 - P| = \(F.idempotencyDefect(dense))")
        // apply agrees with the dense matrix.
        #expect(F.maxAbs(p.apply(batch), F.product(batch, dense)) <= 1e-12, "\(name)")
    }
}

@Test func exactOWMAnnihilatesStoredDirectionsAndKeepsTheirComplement() throws {
    let stream = RandomStream(seed: 103)
    let n = 12
    // Rank-deficient on purpose: the fourth column is a combination of the first two (pseudo-inverse case).
    var a = F.gaussian(rows: n, columns: 4, stream)
    for i in 0..<n { a[i, 3] = a[i, 0] - 2 * a[i, 1] }
    let p = try OWM.exactComplement(of: a)
    #expect(p.removedBasis.columns == 3)
    #expect(p.isExactProjector)
    let pa = p.apply(F.transpose(a))  // rows P a_j
    #expect(pa.elements.allSatisfy { abs($0) <= 1e-12 }, "max |P a_j| = \(pa.elements.map(abs).max()!)")
    // Vectors orthogonal to span A are untouched: y = (I - Q Q^T) z with Q an independent basis of span A.
    let q = try a.thinQRFactorQ()  // columns 0..2 span A (column 3 is dependent)
    let spanA = Matrix(rows: n, columns: 3) { i, j in q[i, j] }
    let z = F.gaussian(rows: 5, columns: n, stream)
    let y = Matrix(rows: 5, columns: n, elements: zip(z.elements, Projection.apply(z, basis: spanA).elements).map { $0 - $1 })
    #expect(F.maxAbs(p.apply(y), y) <= 1e-12)
    #expect(abs(p.denseMatrix().elements.enumerated().filter { $0.offset % (n + 1) == 0 }.map(\.element).reduce(0, +) - Double(n - 3)) <= 1e-12,
            "trace P = n - rank A")
}

@Test func regularisedOWMMatchesTheDefiningFormulaAndTendsToExactAsAlphaVanishes() throws {
    let stream = RandomStream(seed: 104)
    let n = 10
    let a = F.gaussian(rows: n, columns: 3, stream)
    let exact = try OWM.exactComplement(of: a).denseMatrix()
    let gram = F.product(F.transpose(a), a)
    let smallestSingular = try ThinSVD(a).singularValues.last!
    var previous = Double.infinity
    for alpha in [1e-1, 1e-3, 1e-5, 1e-7] {
        let p = try OWM.regularisedComplement(of: a, alpha: alpha).denseMatrix()
        // Reference: I - A (A^T A + alpha I)^{-1} A^T, solving the k x k system column by column (Cholesky).
        let shifted = Matrix(rows: 3, columns: 3) { i, j in gram[i, j] + (i == j ? alpha : 0) }
        let at = F.transpose(a)
        var solved = Matrix(rows: 3, columns: n)
        for j in 0..<n {
            let x = try shifted.solvePositiveDefinite(F.column(at, j))
            for i in 0..<3 { solved[i, j] = x[i] }
        }
        let reference = Matrix(rows: n, columns: n) { i, j in (i == j ? 1 : 0) - F.product(a, solved)[i, j] }
        #expect(F.maxAbs(p, reference) <= 1e-12, "alpha = \(alpha)")
        #expect(p.asymmetry <= 1e-14)
        // |P_alpha - P_0| <= alpha / s_min^2 (the largest weight deficit 1 - s^2/(s^2 + alpha)).
        let gap = F.maxAbs(p, exact)
        #expect(gap <= alpha / (smallestSingular * smallestSingular), "alpha = \(alpha): gap \(gap)")
        #expect(gap < previous)
        previous = gap
    }
    // Not idempotent for alpha > 0: the operator contracts span A instead of removing it.
    let contraction = try OWM.regularisedComplement(of: a, alpha: 1).denseMatrix()
    #expect(F.idempotencyDefect(contraction) > 1e-3)
}

@Test(arguments: [0.0, 1e-3, 0.5])
func recursiveOWMEqualsTheBatchFormula(alpha: Double) throws {
    let stream = RandomStream(seed: 105)
    let n = 14
    let a = F.gaussian(rows: n, columns: 6, stream)
    var recursive = try RecursiveOWM(inputDimension: n, alpha: alpha)
    for j in 0..<a.columns { try recursive.add(F.column(a, j)) }
    let batch = alpha == 0 ? try OWM.exactComplement(of: a) : try OWM.regularisedComplement(of: a, alpha: alpha)
    let difference = F.maxAbs(recursive.matrix, batch.denseMatrix())
    #expect(difference <= 1e-12, "alpha = \(alpha): max difference \(difference)")
    #expect(recursive.count == 6)
}

@Test func recursiveOWMWithZeroAlphaIgnoresADirectionAlreadyRemoved() throws {
    let stream = RandomStream(seed: 106)
    var recursive = try RecursiveOWM(inputDimension: 8, alpha: 0)
    let x = stream.gaussians(8)
    let y = stream.gaussians(8)
    try recursive.add(x)
    try recursive.add(y)
    let before = recursive.matrix
    try recursive.add(zip(x, y).map { 3 * $0 - $1 })  // in span{x, y}: x^T P x is roundoff
    #expect(F.maxAbs(recursive.matrix, before) == 0)
    #expect(recursive.project(x).allSatisfy { abs($0) <= 1e-12 })
}

@Test func lowRankProjectorOfARankRBatchReproducesItsInputs() throws {
    let stream = RandomStream(seed: 107)
    let (n, r, b) = (40, 5, 20)
    let basis = try F.orthonormal(n, r, stream)
    let x = F.inputsInSubspace(basis, count: b, stream)
    let p = try PrincipalSubspace.projector(batch: x, rank: r)
    #expect(p.rank == r)
    let px = p.apply(x)
    #expect(F.maxAbs(px, x) <= 1e-12 * x.frobeniusNorm, "max |P x - x| = \(F.maxAbs(px, x))")
    // And its range is exactly span(basis): P projects the basis onto itself.
    #expect(F.maxAbs(p.apply(F.transpose(basis)), F.transpose(basis)) <= 1e-12)
}

@Test func principalDirectionsAreTheMeanThenCentredComponents() throws {
    // Mean along e0 (large), variance 9 along e1 and 1 along e2: V = [mu, top PC] spans {e0, e1} and not e2,
    // whereas the top *uncentred* direction would be the mean itself.
    let stream = RandomStream(seed: 108)
    let n = 6
    let x = Matrix(rows: 200, columns: n) { _, j in j == 0 ? 10 : (j == 1 ? 3 * stream.gaussian() : (j == 2 ? stream.gaussian() : 0)) }
    let v = try PrincipalSubspace.directions(batch: x, rank: 2)
    #expect(v.rows == 2)
    #expect(abs(v[0, 0] - 10) <= 1e-12, "first row is the batch mean")
    #expect(abs(abs(v[1, 1]) - 1) <= 1e-2, "second row is the top centred PC, along e1: \(v.row(1))")
    let p = try PrincipalSubspace.projector(batch: x, rank: 2)
    let e2 = (0..<n).map { $0 == 2 ? 1.0 : 0 }
    #expect(Vector.norm(p.project(e2)) <= 2e-2)
}

@Test func projectorContainingEveryInputChangesNothingOnThoseInputs() throws {
    let stream = RandomStream(seed: 109)
    let (n, b) = (30, 8)
    let x = F.gaussian(rows: b, columns: n, stream)
    let p = try PrincipalSubspace.containsEveryInput(batch: x, extraDimensions: 4, seed: 9)
    #expect(p.rank == b + 4)
    #expect(F.maxAbs(p.apply(x), x) <= 1e-12 * x.frobeniusNorm)
    let g = F.batchGradient(outputs: 5, inputs: x, stream)
    let gp = p.apply(g)
    #expect(F.maxAbs(gp, g) <= 1e-12 * g.frobeniusNorm, "G P = G: max difference \(F.maxAbs(gp, g))")
    // Seeded: the same seed gives the same extra directions.
    let again = try PrincipalSubspace.containsEveryInput(batch: x, extraDimensions: 4, seed: 9)
    #expect(again.basis == p.basis)
}

@Test func badProjectorInputsThrowClearErrors() throws {
    let stream = RandomStream(seed: 110)
    let x = F.gaussian(rows: 4, columns: 6, stream)
    #expect(throws: ProjectionError.rankExceedsDimension(rank: 7, dimension: 6)) { try PrincipalSubspace.projector(batch: x, rank: 7) }
    #expect(throws: ProjectionError.invalidRank(0)) { try PrincipalSubspace.projector(batch: x, rank: 0) }
    #expect(throws: ProjectionError.emptyInput("batch")) { try PrincipalSubspace.projector(batch: Matrix(rows: 0, columns: 6), rank: 2) }
    #expect(throws: ProjectionError.rankExceedsDimension(rank: 8, dimension: 6)) {
        try PrincipalSubspace.containsEveryInput(batch: x, extraDimensions: 4)
    }
    #expect(throws: ProjectionError.emptyInput("direction matrix A (no columns)")) { try OWM.exactComplement(of: Matrix(rows: 6, columns: 0)) }
    #expect(throws: ParameterError.self) { try OWM.regularisedComplement(of: F.transpose(x), alpha: 0) }
    #expect(throws: ParameterError.self) { try RecursiveOWM(inputDimension: 6, alpha: -1) }
    var nan = x
    nan[1, 1] = .nan
    #expect(throws: ProjectionError.nonFiniteInput("batch")) { try PrincipalSubspace.projector(batch: nan, rank: 2) }
    var recursive = try RecursiveOWM(inputDimension: 6, alpha: 0)
    #expect(throws: ProjectionError.dimensionMismatch(what: "direction", expected: 6, got: 5)) { try recursive.add([1, 2, 3, 4, 5]) }
    // The messages name the quantities.
    #expect(ProjectionError.rankExceedsDimension(rank: 7, dimension: 6).description == "rank 7 exceeds the input dimension 6")
}
