import NumericalKit

/// The projection variants of loco.md section 7.2 for one cluster-pure batch: plain NP, LowRank-only (onto the
/// batch mean and its top principal directions), OWM-only (the complement of the other clusters' directions),
/// LOCO (both), and the control projector whose range contains every input of the batch.
public enum StudyVariants {
    /// Builds the variants for `batch` after filling LOCO's direction buffer with the means of `warmupBatches`
    /// earlier cluster-pure batches (clusters drawn uniformly), as training would.
    public static func make(task: ClusteredTask, batch: Matrix, batchSize: Int, rank: Int = 14, warmupBatches: Int = 200,
                            stream: RandomStream) throws -> [(String, any PresynapticProjector)] {
        let configuration = LOCOConfiguration(clusters: task.clusters, rank: rank, kMeansIterations: 20,
                                              initialisation: .plusPlus(seed: stream.seed &+ 1))
        var builder = try LOCOProjectorBuilder(inputDimension: task.inputs, configuration: configuration)
        for _ in 0..<warmupBatches {
            _ = try builder.projection(for: task.sample(cluster: stream.integer(below: task.clusters), count: batchSize, stream: stream))
        }
        let loco = try builder.projection(for: batch)
        let owm: any PresynapticProjector = loco.removed ?? IdentityProjector(inputDimension: task.inputs)
        return [
            ("NP", IdentityProjector(inputDimension: task.inputs)),
            ("LowRank-only", try PrincipalSubspace.projector(batch: batch, rank: rank)),
            ("OWM-only", owm),
            ("LOCO", loco.projector),
            ("control", try PrincipalSubspace.containsEveryInput(batch: batch)),
        ]
    }
}
