import NumericalKit
import Testing
@testable import NodePerturbation

// LOCOConfiguration.centroidRefresh: the builder keeps its k-means fit for that many pushes (loco.md 7.1's
// nonlinear variant refreshes the centroids every 200 steps), while the own cluster, P_owm and the principal
// directions stay per batch.

/// A builder on the S1 clustered task (100 inputs, 8 clusters) with the given refresh period.
private func builder(period: Int, initialisation: KMeansInitialisation = .plusPlus(seed: 3)) throws -> LOCOProjectorBuilder {
    try LOCOProjectorBuilder(inputDimension: 100, configuration: LOCOConfiguration(
        clusters: 8, rank: 6, bufferCapacity: 60, kMeansIterations: 20, initialisation: initialisation, centroidRefresh: period))
}

/// Cluster-pure batches of the S1 task with their cluster labels, drawn from one seeded stream; clusters drawn
/// uniformly, or taken in turn (`cyclic`) so that every cluster is in the buffer.
private func batches(_ count: Int, seed: UInt64, cyclic: Bool = false) throws -> [(Matrix, Int)] {
    let task = try ClusteredTask(setting: .s1, seed: seed)
    let stream = RandomStream(seed: seed, role: NPStreams.batches)
    return (0..<count).map { i in
        let k = cyclic ? i % task.clusters : stream.integer(below: task.clusters)
        return (task.sample(cluster: k, count: 16, stream: stream), k)
    }
}

@Test func periodOneRefitsEveryBatchExactlyAsTheBufferProjectionDoes() throws {
    var refreshEveryBatch = try builder(period: 1)
    var buffer = try DirectionBuffer(dimension: 100, capacity: 60)
    for (batch, _) in try batches(30, seed: 401) {
        let built = try refreshEveryBatch.projection(for: batch)
        try buffer.push(LOCO.batchMean(batch))
        // The builder's latest fit is its (fits - 1)-th, which draws its own k-means++ starts.
        let c = refreshEveryBatch.configuration
        let fresh = try LOCO.projection(batch: batch, clustering: LOCO.clustering(directions: buffer.directions, configuration: c,
                                                                                  fit: max(refreshEveryBatch.fits - 1, 0)),
                                        configuration: c)
        #expect(built.projector.basis == fresh.projector.basis)
        #expect(built.removed?.removedBasis == fresh.removed?.removedBasis)
        #expect(built.ownCluster == fresh.ownCluster)
        #expect(built.clustering?.centroids == fresh.clustering?.centroids)
        #expect(built.clustering?.assignments == fresh.clustering?.assignments)
    }
    #expect(LOCOConfiguration().centroidRefresh == 1, "the default refits every batch, like the author code")
}

@Test func centroidsStayFixedBetweenRefitsAndAreRefitToTheBufferAtTheRefreshStep() throws {
    let period = 5
    var cached = try builder(period: period)
    var previous: KMeansResult?
    var refits: [Int] = []
    for (push, (batch, _)) in try batches(30, seed: 402).enumerated().map({ ($0 + 1, $1) }) {
        let loco = try cached.projection(for: batch)
        guard push >= 8 else {
            #expect(loco.clustering == nil && cached.clustering == nil, "no fit before the buffer holds K = 8 directions")
            continue
        }
        let fit = try #require(loco.clustering)
        if push == 8 || (push - 8) % period == 0 {
            refits.append(push)
            #expect(cached.pushesSinceFit == 0)
            let refit = try #require(try LOCO.clustering(directions: cached.buffer.directions, configuration: cached.configuration,
                                                         fit: cached.fits - 1))
            #expect(fit.centroids == refit.centroids, "push \(push): refit to the current buffer")
            if let previous { #expect(fit.centroids != previous.centroids, "push \(push): new directions move the centroids") }
        } else {
            #expect(cached.pushesSinceFit == (push - 8) % period)
            #expect(fit.centroids == previous?.centroids, "push \(push): centroids kept between refits")
            #expect(fit.assignments == previous?.assignments)
        }
        previous = fit
    }
    #expect(refits == [8, 13, 18, 23, 28])
}

@Test func ownClusterAndPrincipalDirectionsFollowTheBatchBetweenRefits() throws {
    // Clusters in turn and evenly spaced initial centres: one starting centre per cluster, so k-means is pure.
    var cached = try builder(period: 1000, initialisation: .evenlySpaced)
    let data = try batches(60, seed: 403, cyclic: true)
    // Fill the buffer with every cluster, refit to all of it, then keep that fit for the rest of the test.
    for (batch, _) in data.prefix(40) { _ = try cached.projection(for: batch) }
    try cached.refreshCentroids()
    let fit = try #require(cached.clustering)
    let labels = data.prefix(40).map(\.1)
    try #require(LOCOLearning.purity(assignments: fit.assignments, labels: labels) == 1)
    // Label of each cluster of the kept fit.
    let owners = Dictionary(zip(fit.assignments, labels), uniquingKeysWith: { a, _ in a })
    var seen = Set<Int>()
    for (batch, k) in data.suffix(20) {
        let loco = try cached.projection(for: batch)
        #expect(loco.clustering?.centroids == fit.centroids)
        // The same answer as steps 4-8 on this batch against the kept fit: the own cluster is chosen per batch.
        let direct = try LOCO.projection(batch: batch, clustering: fit, configuration: cached.configuration)
        #expect(loco.ownCluster == direct.ownCluster)
        #expect(loco.projector.basis == direct.projector.basis)
        let own = try #require(loco.ownCluster)
        #expect(owners[own] == k, "a batch of cluster \(k) dropped the centroid of cluster \(owners[own] ?? -1)")
        seen.insert(own)
        // The batch's inputs keep a large part of their norm (its own cluster is not removed).
        let kept = Vector.norm(loco.projector.project(batch.row(0))) / Vector.norm(batch.row(0))
        #expect(kept > 0.3, "|P x| / |x| = \(kept)")
    }
    #expect(seen.count > 1, "different batches drop different centroids")
}

@Test func aRefreshPeriodBelowOneIsRefused() throws {
    let message = ParameterError("centroid refresh period must be at least 1 (1 = refit every batch), got 0")
    let bad = LOCOConfiguration(clusters: 8, rank: 6, centroidRefresh: 0)
    #expect(throws: message) { try LOCOProjectorBuilder(inputDimension: 100, configuration: bad) }
    let (batch, _) = try batches(1, seed: 405)[0]
    #expect(throws: message) {
        try LOCO.projection(batch: batch, directions: Matrix(rows: 8, columns: 100, repeating: 1), configuration: bad)
    }
    let task = try ClusteredTask(setting: .s1, seed: 0)
    var options = LOCOLearningOptions()
    options.centroidRefresh = 0
    #expect(throws: message) {
        try LOCOLearning.train(task: task, student: .tanh, method: .loco, learningRate: 0.03, options: options, seed: 0)
    }
}

@Test func twoLayerLOCOWithCachedCentroidsLearnsReproduciblyAndReportsPurity() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    var options = LOCOLearningOptions()
    options.steps = 300
    options.logEvery = 50
    options.warmupBatches = 20
    for period in [1, 200] {
        options.centroidRefresh = period
        let a = try LOCOLearning.train(task: task, student: .tanh, method: .loco, learningRate: 0.03, options: options, seed: 0)
        let b = try LOCOLearning.train(task: task, student: .tanh, method: .loco, learningRate: 0.03, options: options, seed: 0)
        #expect(a.isStable && a.finalLoss < 0.9, "period \(period): final loss \(a.finalLoss)")
        #expect(a.relativeLoss == b.relativeLoss)
        #expect((a.purity ?? 0) > 0.5, "period \(period): purity \(a.purity ?? .nan)")
    }
}

@Test func recordingAWarmUpGivesTheSameNextProjectionAsBuildingEveryWarmUpProjector() throws {
    // The warm-ups only fill the buffer: pushing directions without building projectors must not change the
    // first projection that follows (k-means refits the same buffer either way). Evenly spaced starts, because
    // k-means++ draws fresh starts for each numbered fit, and the builder that projected every batch fitted more often.
    let task = try ClusteredTask(setting: .s1, seed: 2)
    let configuration = LOCOConfiguration(clusters: task.clusters, rank: 6, kMeansIterations: 20, initialisation: .evenlySpaced)
    var built = try LOCOProjectorBuilder(inputDimension: task.inputs, configuration: configuration)
    var recorded = built
    let stream = RandomStream(seed: 4)
    for k in 0..<30 {
        let x = task.sample(cluster: k % task.clusters, count: 16, stream: stream)
        _ = try built.projection(for: x)
        try recorded.record(x)
    }
    let next = task.sample(cluster: 3, count: 16, stream: stream)
    let a = try built.projection(for: next), b = try recorded.projection(for: next)
    #expect(a.ownCluster == b.ownCluster)
    #expect(a.projector.basis == b.projector.basis)
}
