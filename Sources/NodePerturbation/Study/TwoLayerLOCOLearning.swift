import Foundation
import NumericalKit

/// The nonlinear variant of loco.md section 7.1: a tanh student n -> hidden -> n_out learns the tanh teacher
/// `ClusteredTask.nonlinearTeacher` of the same shape on the clustered inputs of `ClusteredTask`. NP perturbs the
/// pre-activations of both layers; LOCO keeps one projector builder per layer, fed with that layer's clean
/// presynaptic activity (layer 0: the inputs, layer 1: the hidden activity).
public enum TwoLayerLOCOLearning {
    /// Trains the student (small random start, scale `initialScale`, from stream `NPStreams.student`)
    /// with `method` at `learningRate`; same seeded streams, relative evaluation loss and divergence rule as
    /// `LOCOLearning.train`. `options.rank` is the input layer's projector rank, `hiddenRank` the hidden layer's.
    /// Each layer's k-means centroids are refit at the end of the warm-up and then every `centroidRefresh` steps
    /// (loco.md 7.1: "refreshed every 200 steps"); own cluster, P_owm and principal directions stay per batch.
    /// `centroidRefresh` 1 refits every step, like `LOCOLearning`; below 1 is refused by `LOCOConfiguration`.
    public static func train(task: ClusteredTask, method: LearningMethod, learningRate: Double, options: LOCOLearningOptions,
                             seed: UInt64, hidden: Int = 64, hiddenRank: Int = 10, initialScale: Double = 0.1,
                             centroidRefresh: Int = 200) throws -> LOCOLearningCurve {
        try options.validate()
        guard learningRate > 0, learningRate.isFinite else { throw ParameterError("the learning rate must be positive") }
        guard hidden >= 1, hiddenRank >= 1, hiddenRank <= hidden, hiddenRank <= options.batchSize, options.rank <= task.inputs else {
            throw ParameterError("need hidden >= 1 and 1 <= hidden rank <= min(hidden, batch), got \(hidden), \(hiddenRank)")
        }
        guard options.flippedInputs <= task.inputs else {
            throw ParameterError("cannot flip \(options.flippedInputs) of \(task.inputs) inputs")
        }
        guard initialScale >= 0, initialScale.isFinite else { throw ParameterError("initial scale must be finite and >= 0") }
        let teacher = try ClusteredTask.nonlinearTeacher(widths: [task.inputs, hidden, task.outputs], activations: [.tanh], seed: seed)
        let data = RandomStream(seed: seed, role: NPStreams.evaluation)
        let evaluation = task.evaluationSet(perCluster: options.evaluationPerCluster, stream: data)
        let evaluationTargets = try teacher.outputs(evaluation)
        let batches = RandomStream(seed: seed, role: NPStreams.batches)
        let estimator = try NodePerturbationEstimator(sigma: options.sigma)
        var network = try MLP.random(widths: [task.inputs, hidden, task.outputs], activations: [.tanh], scale: initialScale, seed: seed, role: NPStreams.student)
        let initialLoss = try network.loss(inputs: evaluation, targets: evaluationTargets)
        let ranks = [options.rank, hiddenRank]
        var builders = try [task.inputs, hidden].enumerated().map { l, width in
            try LOCOProjectorBuilder(inputDimension: width, configuration: LOCOConfiguration(
                clusters: task.clusters, rank: ranks[l], bufferCapacity: options.bufferCapacity, kMeansIterations: 20,
                initialisation: .plusPlus(seed: seed &+ UInt64(l)), centroidRefresh: centroidRefresh))
        }
        var labels: [Int] = []
        // The input layer's latest k-means fit and the cluster labels of the buffer it was fitted to (for purity).
        var lastFit: (clustering: KMeansResult, labels: [Int])?
        func recordFit() {
            if let fit = builders[0].clustering { lastFit = (fit, Array(labels.suffix(fit.assignments.count))) }
        }
        let usesBuilders = method == .owm || method == .loco
        if usesBuilders {
            // Input statistics only: the hidden builder sees the initial student's hidden activity.
            let warmup = RandomStream(seed: seed, role: NPStreams.warmup)
            for _ in 0..<options.warmupBatches {
                let k = warmup.integer(below: task.clusters)
                let x = task.sample(cluster: k, count: options.batchSize, stream: warmup)
                let pass = try network.forward(x)
                for l in 0..<2 { try builders[l].record(pass.activities[l]) }
                labels.append(k)
                if labels.count > options.bufferCapacity { labels.removeFirst() }
            }
            for l in 0..<2 { try builders[l].refreshCentroids() }
            recordFit()
        }
        let signs = try SignMatrices.flippingFirst(options.flippedInputs, of: task.inputs)
        var log = LossLog(every: options.logEvery, last: options.steps)
        for step in 1...options.steps {
            let (cluster, x) = task.trainingBatch(count: options.batchSize, mixed: options.mixedBatches, stream: batches)
            let t = try teacher.outputs(x)
            var updates: [Matrix]
            switch method {
            case .sgd:
                updates = try network.backpropagate(inputs: x, targets: t).weightGradients
            default:
                let estimate = try estimator.estimate(network: network, inputs: x, targets: t, seed: seed, draw: UInt64(step))
                if usesBuilders {
                    labels.append(cluster)
                    if labels.count > options.bufferCapacity { labels.removeFirst() }
                }
                updates = []
                for l in 0..<2 {
                    let activity = estimate.activities[l]
                    let presynaptic: Matrix
                    switch method {
                    case .np: presynaptic = activity
                    case .lowRank: presynaptic = try PrincipalSubspace.projector(batch: activity, rank: ranks[l]).apply(activity)
                    default:
                        let loco = try builders[l].projection(for: activity)
                        if l == 0, builders[0].pushesSinceFit == 0 { recordFit() }
                        presynaptic = method == .loco ? loco.projector.apply(activity) : (loco.removed?.apply(activity) ?? activity)
                    }
                    updates.append(try estimate.weightGradient(layer: l, presynaptic: presynaptic))
                }
            }
            if options.flippedInputs > 0 { updates[0] = SignMatrices.apply(signs, to: updates[0]) }
            for l in 0..<2 {
                for k in network.weights[l].elements.indices { network.weights[l].elements[k] -= learningRate * updates[l].elements[k] }
            }
            if try !log.record(step: step, { try network.loss(inputs: evaluation, targets: evaluationTargets) / initialLoss }) { break }
        }
        return LOCOLearningCurve(method: method, learningRate: learningRate, steps: log.steps, relativeLoss: log.losses, diverged: log.diverged,
                                 purity: lastFit.map { LOCOLearning.purity(assignments: $0.clustering.assignments, labels: $0.labels) })
    }

    /// Runs every (method, learning rate) pair on `threads` workers; curves[m][r].
    public static func sweep(task: ClusteredTask, methods: [LearningMethod], learningRates: [Double], options: LOCOLearningOptions,
                             seed: UInt64, hidden: Int = 64, centroidRefresh: Int = 200, threads: Int = 2,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[LOCOLearningCurve]] {
        let pairs = methods.flatMap { m in learningRates.map { (m, $0) } }
        let flat = try parallelMap(pairs.count, threads: threads, progress: progress) { i in
            try train(task: task, method: pairs[i].0, learningRate: pairs[i].1, options: options, seed: seed, hidden: hidden,
                      centroidRefresh: centroidRefresh)
        }
        return methods.indices.map { m in Array(flat[(m * learningRates.count)..<((m + 1) * learningRates.count)]) }
    }
}
