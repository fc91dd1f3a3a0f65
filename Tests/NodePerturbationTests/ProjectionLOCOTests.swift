import Testing
import NumericalKit
@testable import NodePerturbation

// k-means and the LOCO cluster-orthogonal projector (loco.md 4.2/4.4) on synthetic clustered inputs:
// x = m e_cm + a c_k + U_k z (common mode, cluster centre, cluster subspace), all directions orthonormal.

private typealias F = ProjectionFixtures

/// Three clusters in R^30 sharing a common mode, like rate codes (loco.md 7.1, S1 in miniature).
private struct ClusteredInputs {
    let n = 30
    let clusters = 3
    let commonMode: [Double]
    let centres: [[Double]]
    let subspaces: [Matrix]  // n x 2 each

    init(seed: UInt64) throws {
        let q = try F.orthonormal(30, 1 + 3 + 3 * 2, RandomStream(seed: seed))
        commonMode = F.column(q, 0)
        centres = (0..<3).map { F.column(q, 1 + $0) }
        subspaces = (0..<3).map { k in Matrix(rows: 30, columns: 2) { i, j in q[i, 4 + 2 * k + j] } }
    }

    /// One input of cluster k: 2 e_cm + a c_k + U_k z, a ~ 1 + 0.3 N(0,1), z ~ N(0, I_2).
    func input(_ k: Int, _ stream: RandomStream, spread: Double = 1) -> [Double] {
        let a = 1 + 0.3 * stream.gaussian()
        let z = [spread * stream.gaussian(), spread * stream.gaussian()]
        return (0..<n).map { i in 2 * commonMode[i] + a * centres[k][i] + subspaces[k][i, 0] * z[0] + subspaces[k][i, 1] * z[1] }
    }

    func batch(_ k: Int, count: Int, _ stream: RandomStream) -> Matrix {
        Matrix(rows: count, columns: n, elements: (0..<count).flatMap { _ in input(k, stream) })
    }

    /// A buffer of batch-mean directions, `perCluster` from each cluster, in blocks (cluster 0, then 1, then 2)
    /// like the author code's label-sorted data; labels alongside.
    func buffer(perCluster: Int, _ stream: RandomStream) -> (directions: Matrix, labels: [Int]) {
        var rows = [Double]()
        var labels = [Int]()
        for k in 0..<clusters {
            for _ in 0..<perCluster {
                let mean = LOCO.batchMean(batch(k, count: 8, stream))
                let norm = Vector.norm(mean)
                rows += mean.map { $0 / norm }
                labels.append(k)
            }
        }
        return (Matrix(rows: labels.count, columns: n, elements: rows), labels)
    }
}

/// Fraction of points whose cluster's majority label is their own label.
private func purity(assignments: [Int], labels: [Int], clusters: Int) -> Double {
    var correct = 0
    for c in 0..<clusters {
        let members = zip(assignments, labels).filter { $0.0 == c }.map(\.1)
        let counts = Dictionary(grouping: members, by: { $0 }).mapValues(\.count)
        correct += counts.values.max() ?? 0
    }
    return Double(correct) / Double(labels.count)
}

/// Well-separated Gaussian blobs in R^10 (centres 10 apart, unit spread), shuffled, with labels.
private func blobs(perCluster: Int, clusters: Int, seed: UInt64) -> (Matrix, [Int]) {
    let stream = RandomStream(seed: seed)
    var points: [([Double], Int)] = []
    for k in 0..<clusters {
        for _ in 0..<perCluster { points.append(((0..<10).map { j in (j == k ? 10.0 : 0) + stream.gaussian() }, k)) }
    }
    for i in stride(from: points.count - 1, to: 0, by: -1) { points.swapAt(i, stream.integer(below: i + 1)) }
    return (Matrix(rows: points.count, columns: 10, elements: points.flatMap(\.0)), points.map(\.1))
}

@Test func kMeansWithASeedIsReproducibleAndRecoversSeparatedClusters() throws {
    let (x, labels) = blobs(perCluster: 40, clusters: 4, seed: 201)
    let first = try KMeans.fit(x, clusters: 4, initialisation: .plusPlus(seed: 7), restarts: 3)
    let second = try KMeans.fit(x, clusters: 4, initialisation: .plusPlus(seed: 7), restarts: 3)
    #expect(first.assignments == second.assignments)
    #expect(first.centroids == second.centroids)
    #expect(first.converged)
    #expect(purity(assignments: first.assignments, labels: labels, clusters: 4) == 1)
    // Every cluster is used and its centroid sits near its blob centre (spread 1, 40 points: error ~ 0.5).
    for c in 0..<4 {
        let label = labels[first.assignments.firstIndex(of: c)!]
        let target = (0..<10).map { $0 == label ? 10.0 : 0 }
        #expect(Vector.maxAbsDifference(first.centroids.row(c), target) <= 1, "cluster \(c)")
    }
}

@Test func kMeansEvenlySpacedInitialisationRecoversBlockOrderedClusters() throws {
    let inputs = try ClusteredInputs(seed: 202)
    let (directions, labels) = inputs.buffer(perCluster: 20, RandomStream(seed: 203))
    let fit = try KMeans.fit(directions, clusters: 3, initialisation: .evenlySpaced, maxIterations: 10)
    #expect(purity(assignments: fit.assignments, labels: labels, clusters: 3) == 1)
    // Inertia never exceeds that of the initial centres alone (one Lloyd step cannot increase it).
    let once = try KMeans.fit(directions, clusters: 3, initialisation: .evenlySpaced, maxIterations: 1)
    #expect(fit.inertia <= once.inertia + 1e-12)
}

@Test func kMeansRejectsBadClusterCountsAndEmptyInput() {
    let x = Matrix(rows: 3, columns: 2, elements: [0, 0, 1, 1, 2, 2])
    #expect(throws: ProjectionError.invalidClusterCount(0)) { try KMeans.fit(x, clusters: 0) }
    #expect(throws: ProjectionError.emptyInput("point set (buffer)")) { try KMeans.fit(Matrix(rows: 0, columns: 2), clusters: 1) }
    #expect(throws: ProjectionError.tooFewPoints(points: 3, clusters: 4)) { try KMeans.fit(x, clusters: 4) }
}

@Test func directionBufferStoresUnitDirectionsOldestFirstAndWraps() throws {
    var buffer = try DirectionBuffer(dimension: 2, capacity: 3)
    for v in [[3.0, 4], [0, 2], [-1, 0], [0, -5]] { try buffer.push(v) }
    #expect(buffer.count == 3)
    #expect(buffer.directions == Matrix([[0, 1], [-1, 0], [0, -1]]), "the first direction was overwritten")
    #expect(throws: ProjectionError.zeroVector("direction")) { try buffer.push([0, 0]) }
    #expect(throws: ProjectionError.dimensionMismatch(what: "direction", expected: 2, got: 3)) { try buffer.push([1, 2, 3]) }
}

@Test func locoRemovesTheOtherClustersAndKeepsTheCurrentClustersComponent() throws {
    let inputs = try ClusteredInputs(seed: 204)
    let stream = RandomStream(seed: 205)
    let (directions, labels) = inputs.buffer(perCluster: 20, stream)
    let batch = inputs.batch(1, count: 16, stream)
    let configuration = LOCOConfiguration(clusters: 3, rank: 6)
    let result = try LOCO.projection(batch: batch, directions: directions, configuration: configuration)
    let clustering = try #require(result.clustering)
    #expect(purity(assignments: clustering.assignments, labels: labels, clusters: 3) == 1)
    // The dropped cluster is the batch's own (label 1).
    let own = try #require(result.ownCluster)
    #expect(labels[clustering.assignments.firstIndex(of: own)!] == 1)

    let p = result.projector
    // The other clusters' centroids are annihilated exactly ...
    for c in 0..<3 where c != own {
        let residual = Vector.norm(p.project(clustering.centroids.row(c)))
        #expect(residual <= 1e-12, "centroid \(c): |P C| = \(residual)")
    }
    // ... while the current cluster's own component (its centre and subspace, orthogonal to the others) is kept.
    let ownDirections = [inputs.centres[1], F.column(inputs.subspaces[1], 0), F.column(inputs.subspaces[1], 1)]
    for u in ownDirections {
        #expect(Vector.maxAbsDifference(p.project(u), u) <= 1e-12)
    }
    // The shared common mode is partly removed (it lies in the other centroids' span), so P x != x.
    let x0 = batch.row(0)
    let kept = Vector.norm(p.project(x0)) / Vector.norm(x0)
    #expect(kept < 0.9 && kept > 0.3, "|P x| / |x| = \(kept)")
    // Function-space coupling (loco.md 5.1 point 3): x'^T P x for inputs x' of the other clusters is tiny
    // compared with the plain overlap x'^T x.
    var projected = 0.0, plain = 0.0
    for k in [0, 2] {
        for _ in 0..<20 {
            let other = inputs.input(k, stream)
            projected += abs(Vector.dot(other, p.project(x0)))
            plain += abs(Vector.dot(other, x0))
        }
    }
    #expect(projected / plain <= 0.1, "coupling ratio \(projected / plain)")
}

@Test func locoOnBatchGradientsEqualsTheOWMComplementOfTheOtherCentroids() throws {
    // loco.md 4.2 "equivalent statement": for rows in the batch span, P_low r = P_owm r.
    let inputs = try ClusteredInputs(seed: 206)
    let stream = RandomStream(seed: 207)
    let (directions, _) = inputs.buffer(perCluster: 15, stream)
    let batch = inputs.batch(2, count: 12, stream)
    let result = try LOCO.projection(batch: batch, directions: directions, configuration: LOCOConfiguration(clusters: 3, rank: 6))
    let removed = try #require(result.removed)
    let g = F.batchGradient(outputs: 4, inputs: batch, stream)
    let low = result.projector.apply(g)
    let owm = removed.apply(g)
    #expect(F.maxAbs(low, owm) <= 1e-12 * g.frobeniusNorm, "max |G P_low - G P_owm| = \(F.maxAbs(low, owm))")
    #expect(removed.removedBasis.columns == 2)
    let dense = result.projector.denseMatrix()
    #expect(dense.asymmetry <= 1e-12)
    #expect(F.idempotencyDefect(dense) <= 1e-12)
}

@Test func locoBuilderSkipsClusteringUntilTheBufferHoldsKDirections() throws {
    let inputs = try ClusteredInputs(seed: 208)
    let stream = RandomStream(seed: 209)
    var builder = try LOCOProjectorBuilder(inputDimension: inputs.n,
                                           configuration: LOCOConfiguration(clusters: 3, rank: 6, bufferCapacity: 5))
    let first = inputs.batch(0, count: 10, stream)
    let early = try builder.projection(for: first)
    #expect(early.removed == nil && early.ownCluster == nil)
    // With P_owm = I, LOCO is the batch's principal projector, which keeps every batch input.
    #expect(F.maxAbs(early.projector.apply(first), first) <= 1e-12 * first.frobeniusNorm)
    _ = try builder.projection(for: inputs.batch(1, count: 10, stream))
    let third = try builder.projection(for: inputs.batch(2, count: 10, stream))
    #expect(third.ownCluster != nil && builder.buffer.count == 3)
    for k in 0..<4 { _ = try builder.projection(for: inputs.batch(k % 3, count: 10, stream)) }
    #expect(builder.buffer.count == 5, "the ring buffer stops growing at its capacity")
}

@Test func locoBuildIsDeterministic() throws {
    let inputs = try ClusteredInputs(seed: 210)
    let (directions, _) = inputs.buffer(perCluster: 10, RandomStream(seed: 211))
    let batch = inputs.batch(0, count: 10, RandomStream(seed: 212))
    let configuration = LOCOConfiguration(clusters: 3, rank: 6, initialisation: .plusPlus(seed: 5))
    let a = try LOCO.projection(batch: batch, directions: directions, configuration: configuration)
    let b = try LOCO.projection(batch: batch, directions: directions, configuration: configuration)
    #expect(a.projector.basis == b.projector.basis)
}

@Test func locoRejectsEmptyBufferBadClusterCountAndExcessRank() throws {
    let inputs = try ClusteredInputs(seed: 213)
    let batch = inputs.batch(0, count: 6, RandomStream(seed: 214))
    let (directions, _) = inputs.buffer(perCluster: 4, RandomStream(seed: 215))
    let good = LOCOConfiguration(clusters: 3, rank: 6)
    #expect(throws: ProjectionError.emptyInput("direction buffer")) {
        try LOCO.projection(batch: batch, directions: Matrix(rows: 0, columns: inputs.n), configuration: good)
    }
    #expect(throws: ProjectionError.invalidClusterCount(0)) {
        try LOCO.projection(batch: batch, directions: directions, configuration: LOCOConfiguration(clusters: 0, rank: 6))
    }
    #expect(throws: ProjectionError.rankExceedsDimension(rank: 31, dimension: 30)) {
        try LOCO.projection(batch: batch, directions: directions, configuration: LOCOConfiguration(clusters: 3, rank: 31))
    }
    #expect(throws: ProjectionError.rankExceedsDimension(rank: 31, dimension: 30)) {
        try LOCOProjectorBuilder(inputDimension: 30, configuration: LOCOConfiguration(clusters: 3, rank: 31))
    }
    #expect(throws: ProjectionError.dimensionMismatch(what: "direction buffer", expected: 30, got: 29)) {
        try LOCO.projection(batch: batch, directions: Matrix(rows: 4, columns: 29, repeating: 1), configuration: good)
    }
}
