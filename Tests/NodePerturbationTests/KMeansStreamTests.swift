import NumericalKit
import StudentTeacherCore
import Testing
@testable import NodePerturbation

// k-means++ starts read role NPStreams.kMeansStart at index (layer, fit, restart). Before, a layer's starts came
// from seed + layer, so layer 1 at seed s drew exactly layer 0's numbers at seed s + 1, and every refit of a
// projector drew the same numbers again.

/// 200 Gaussian points in R^6, so that k-means++'s picks (the first uniform over 200) tell streams apart.
private let points = Matrix(rows: 200, columns: 6, elements: RandomStream(seed: 11).gaussians(1200))

/// The point indices k-means++ picks (k = 5) from stream (layer, fit, restart) of `seed`.
private func picks(seed: UInt64, layer: Int, fit: Int, restart: Int) -> [[Double]] {
    let stream = RandomStream(seed: seed, role: NPStreams.kMeansStart,
                              index: NPStreams.kMeansStartIndex(layer: layer, fit: fit, restart: restart))
    let centres = KMeans.plusPlusCentres(points, k: 5, stream: stream)
    return (0..<5).map { centres.row($0) }
}

@Test func kMeansStartsOfEachLayerFitAndRestartComeFromTheirOwnStreams() {
    let cases = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1), (NPStreams.kMeansLayers - 1, NPStreams.kMeansFits - 1, NPStreams.kMeansRestarts - 1)]
    let indices = cases.map { NPStreams.kMeansStartIndex(layer: $0.0, fit: $0.1, restart: $0.2) }
    #expect(Set(indices).count == cases.count, "the index layout maps distinct (layer, fit, restart) to distinct streams")
    let drawn = cases.map { picks(seed: 5, layer: $0.0, fit: $0.1, restart: $0.2) }
    for i in drawn.indices { for j in drawn.indices where j > i { #expect(drawn[i] != drawn[j], "\(cases[i]) vs \(cases[j])") } }
    // The old collision: layer 1 of seed 5 against layer 0 of seed 6.
    #expect(picks(seed: 5, layer: 1, fit: 0, restart: 0) != picks(seed: 6, layer: 0, fit: 0, restart: 0))
}

@Test func kMeansRefusesRestartsLayersAndFitsOutsideTheStreamLayout() {
    #expect(throws: ParameterError.self) { try KMeans.fit(points, clusters: 3, initialisation: .plusPlus(seed: 1), restarts: NPStreams.kMeansRestarts + 1) }
    #expect(throws: ParameterError.self) { try KMeans.fit(points, clusters: 3, initialisation: .plusPlus(seed: 1, layer: NPStreams.kMeansLayers)) }
    #expect(throws: ParameterError.self) { try KMeans.fit(points, clusters: 3, initialisation: .plusPlus(seed: 1), fit: -1) }
    #expect(throws: Never.self) { try KMeans.fit(points, clusters: 3, initialisation: .plusPlus(seed: 1), restarts: NPStreams.kMeansRestarts) }
}

@Test func aProjectorBuilderNumbersItsFitsSoThatEachRefitDrawsFreshStarts() throws {
    var builder = try LOCOProjectorBuilder(inputDimension: 6, configuration: LOCOConfiguration(
        clusters: 3, rank: 2, bufferCapacity: 50, initialisation: .plusPlus(seed: 9, layer: 2), centroidRefresh: 4))
    let stream = RandomStream(seed: 12)
    for step in 0..<12 {
        _ = try builder.projection(for: Matrix(rows: 4, columns: 6, elements: stream.gaussians(24)))
        // Fits happen once the buffer holds 3 directions (step 2), then every 4 pushes (steps 6 and 10).
        #expect(builder.fits == (step < 2 ? 0 : 1 + (step - 2) / 4), "step \(step)")
    }
    let buffer = builder.buffer.directions
    let c = builder.configuration
    let second = try LOCO.clustering(directions: buffer, configuration: c, fit: 1)
    let again = try LOCO.clustering(directions: buffer, configuration: c, fit: 1)
    #expect(second?.centroids == again?.centroids, "a fit number reproduces its fit")
}
