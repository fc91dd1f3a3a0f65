import NumericalKit

/// The projection variants of loco.md section 7.2 for one cluster-pure batch: plain NP, LowRank-only (onto the
/// batch mean and its top principal directions), OWM-only (the complement of the other clusters' directions),
/// LOCO (both), and the control projector whose range contains every input of the batch.
public enum StudyVariants {
    /// The variants of every layer of `network` for `batch`, each layer acting on its own clean presynaptic
    /// activity: LOCO's direction buffer of layer l is first filled with the layer-l activity means of
    /// `warmupBatches` earlier cluster-pure batches (clusters drawn uniformly), as training would. `ranks[l]`
    /// is layer l's rank r (loco.md 7.1: 14 for the inputs, 10 for a hidden layer).
    public static func make(task: ClusteredTask, network: MLP, batch: Matrix, batchSize: Int, ranks: [Int],
                            warmupBatches: Int = 200, stream: RandomStream) throws -> [[(String, any PresynapticProjector)]] {
        guard ranks.count == network.layerCount else {
            throw ParameterError("need one rank per layer (\(network.layerCount)), got \(ranks.count)")
        }
        var builders = try ranks.enumerated().map { l, rank in
            try LOCOProjectorBuilder(inputDimension: network.widths[l], configuration: LOCOConfiguration(
                clusters: task.clusters, rank: rank, kMeansIterations: 20, initialisation: .plusPlus(seed: stream.seed, layer: l)))
        }
        for _ in 0..<warmupBatches {
            let x = task.sample(cluster: stream.integer(below: task.clusters), count: batchSize, stream: stream)
            let activities = try network.forward(x).activities
            for l in builders.indices { try builders[l].record(activities[l]) }
        }
        let activities = try network.forward(batch).activities
        return try builders.indices.map { l in
            let x = activities[l]
            let loco = try builders[l].projection(for: x)
            let identity = IdentityProjector(inputDimension: x.columns)
            let owm: any PresynapticProjector = loco.removed ?? identity
            return [
                ("NP", identity),
                ("LowRank-only", try PrincipalSubspace.projector(batch: x, rank: ranks[l])),
                ("OWM-only", owm),
                ("LOCO", loco.projector),
                ("control", try PrincipalSubspace.containsEveryInput(batch: x)),
            ]
        }
    }
}
