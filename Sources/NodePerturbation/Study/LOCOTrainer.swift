import Dispatch
import NumericalKit

/// One learning run on the clustered task as a list of layers (loco.md 7.1-7.2 at any depth): per step a
/// cluster-pure batch, the method's update for every layer (backpropagation, or one NP draw whose presynaptic
/// factor each layer projects on its own), and a plain SGD step. Each layer keeps its own projector state,
/// fed with its clean presynaptic activity (layer 0: the inputs), so with `options.layerThreads` > 1 the
/// layers' updates run at once (loco.md 4.3's "O(1) parallel time"); results do not depend on it. Its batch
/// stream is a reference: copies of a trainer share it, so train one copy.
public struct LOCOTrainer {
    public let method: LearningMethod
    public let learningRate: Double
    public let options: LOCOLearningOptions
    public private(set) var network: MLP
    let task: ClusteredTask
    let teacher: MLP
    let seed: UInt64
    let estimator: NodePerturbationEstimator
    let batches: RandomStream
    let signs: [Double]
    var layers: [LayerLearner]
    /// Cluster labels of the batches whose means are in the input layer's buffer (for purity).
    var labels: [Int] = []
    /// The input layer's latest k-means fit and the labels of the buffer it was fitted to.
    var lastFit: (clustering: KMeansResult, labels: [Int])?

    /// The student of `student` at its start; for the cluster-based methods, `options.warmupBatches` batch means of
    /// each layer's activity (input statistics only; stream `NPStreams.warmup`) fill the buffers and the centroids
    /// are fitted to them.
    public init(task: ClusteredTask, student: LOCOStudent, method: LearningMethod, learningRate: Double, options: LOCOLearningOptions,
                seed: UInt64) throws {
        try options.validate()
        try student.validate(batchSize: options.batchSize)
        guard learningRate > 0, learningRate.isFinite else { throw ParameterError("the learning rate must be positive") }
        guard options.rank <= task.inputs else { throw ParameterError("rank \(options.rank) exceeds the \(task.inputs) inputs") }
        guard options.flippedInputs <= task.inputs else {
            throw ParameterError("cannot flip \(options.flippedInputs) of \(task.inputs) inputs")
        }
        self.task = task
        self.method = method
        self.learningRate = learningRate
        self.options = options
        self.seed = seed
        let setup = try student.setup(task, seed: seed)
        network = setup.student
        teacher = setup.teacher
        estimator = try NodePerturbationEstimator(sigma: options.sigma)
        batches = RandomStream(seed: seed, role: NPStreams.batches)
        signs = try SignMatrices.flippingFirst(options.flippedInputs, of: task.inputs)
        let widths = student.widths(task)
        let ranks = [options.rank] + student.hidden.map { _ in student.hiddenRank }
        layers = try ranks.enumerated().map { l, rank in
            try LayerLearner(rank: rank, builder: LOCOProjectorBuilder(inputDimension: widths[l], configuration: LOCOConfiguration(
                clusters: task.clusters, rank: rank, bufferCapacity: options.bufferCapacity, kMeansIterations: 20,
                initialisation: .plusPlus(seed: seed, layer: l), centroidRefresh: options.centroidRefresh)))
        }
        if method.rule.usesClusters { try warmUp() }
    }

    /// The targets of the rows of `x`: the teacher's outputs (W* x for the linear student).
    public func targets(_ x: Matrix) throws -> Matrix { try teacher.outputs(x) }

    mutating func warmUp() throws {
        let warmup = RandomStream(seed: seed, role: NPStreams.warmup)
        for _ in 0..<options.warmupBatches {
            let k = warmup.integer(below: task.clusters)
            let pass = try network.forward(task.sample(cluster: k, count: options.batchSize, stream: warmup))
            for l in layers.indices { try layers[l].builder.record(pass.activities[l]) }
            remember(label: k)
        }
        for l in layers.indices { try layers[l].builder.refreshCentroids() }
        recordFit()
    }

    mutating func remember(label: Int) {
        labels.append(label)
        if labels.count > options.bufferCapacity { labels.removeFirst() }
    }

    mutating func recordFit() {
        if let fit = layers[0].builder.clustering { lastFit = (fit, Array(labels.suffix(fit.assignments.count))) }
    }

    /// Fraction of the input layer's buffer directions whose k-means cluster's majority label is their own (nil
    /// for methods without clusters).
    public var purity: Double? { lastFit.map { LOCOLearning.purity(assignments: $0.clustering.assignments, labels: $0.labels) } }

    /// Training step `step` (from 1; it indexes the NP noise draw): a batch, every layer's update, an SGD step.
    public mutating func step(_ step: Int) throws {
        let (cluster, x) = task.trainingBatch(count: options.batchSize, mixed: options.mixedBatches, stream: batches)
        let t = try targets(x)
        var updates: [Matrix]
        switch method.rule {
        case .backpropagation:
            updates = try network.backpropagate(inputs: x, targets: t).weightGradients
        case .perturbation(let projection):
            let estimate = try estimator.estimate(network: network, inputs: x, targets: t, seed: seed, draw: UInt64(step))
            if projection.usesClusters { remember(label: cluster) }
            updates = try layerUpdates(projection: projection, estimate: estimate)
            if projection.usesClusters, layers[0].builder.pushesSinceFit == 0 { recordFit() }
        }
        if options.flippedInputs > 0 { updates[0] = SignMatrices.apply(signs, to: updates[0]) }
        for l in updates.indices {
            for k in network.weights[l].elements.indices { network.weights[l].elements[k] -= learningRate * updates[l].elements[k] }
        }
    }

    /// Every layer's projected NP update from the one draw, in layer order; with `layerThreads` > 1 all layers at once
    /// (each touches only its own projector state).
    mutating func layerUpdates(projection: PresynapticProjection, estimate: NodePerturbationEstimate) throws -> [Matrix] {
        let count = layers.count
        guard options.layerThreads > 1, count > 1 else {
            return try layers.indices.map { l in try layers[l].update(projection: projection, estimate: estimate, layer: l) }
        }
        var results = [Result<Matrix, Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            layers.withUnsafeMutableBufferPointer { learners in
                let (out, learners) = (UnsafeSendable(out), UnsafeSendable(learners))
                DispatchQueue.concurrentPerform(iterations: count) { l in
                    out.value[l] = Result { try learners.value[l].update(projection: projection, estimate: estimate, layer: l) }
                }
            }
        }
        return try results.map { try $0!.get() }
    }

    /// The loss on `inputs` (with their targets).
    public func loss(inputs: Matrix, targets: Matrix) throws -> Double { try network.loss(inputs: inputs, targets: targets) }
}

/// A buffer pointer handed to `concurrentPerform`'s workers, each of which touches only its own index.
private struct UnsafeSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

/// One layer's share of a perturbation step: its projector state and the update it forms from the broadcast
/// node factor and its own clean presynaptic activity.
struct LayerLearner: Sendable {
    let rank: Int
    var builder: LOCOProjectorBuilder

    /// G-hat_l P_l with P_l built from layer l's clean presynaptic batch (loco.md 5.3).
    mutating func update(projection: PresynapticProjection, estimate: NodePerturbationEstimate, layer l: Int) throws -> Matrix {
        let activity = estimate.activities[l]
        let presynaptic: Matrix
        switch projection {
        case .identity: presynaptic = activity
        case .lowRank: presynaptic = try PrincipalSubspace.projector(batch: activity, rank: rank).apply(activity)
        case .clusterComplement: presynaptic = try builder.projection(for: activity).removed?.apply(activity) ?? activity
        case .loco: presynaptic = try builder.projection(for: activity).projector.apply(activity)
        }
        return try estimate.weightGradient(layer: l, presynaptic: presynaptic)
    }
}
