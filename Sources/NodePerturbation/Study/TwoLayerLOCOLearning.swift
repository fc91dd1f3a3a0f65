import Foundation
import NumericalKit

/// The nonlinear variant of loco.md section 7.1: a tanh student n -> hidden -> n_out learns a tanh teacher of the
/// same shape on the clustered inputs of `ClusteredTask` (only its inputs are used; the teacher is the two-layer
/// one below). NP perturbs the pre-activations of both layers; LOCO keeps one projector builder per layer, fed
/// with that layer's clean presynaptic activity (layer 0: the inputs, layer 1: the hidden activity).
public enum TwoLayerLOCOLearning {
    /// The teacher: layer 1 rows orthogonal to the common mode (the all-ones direction projected out), entries
    /// scaled to 1.5/sqrt(n); layer 2 ~ N(0, 1/hidden). Drawn from `RandomStream(seed: seed, task: 20)`.
    public static func teacher(inputs n: Int, hidden: Int, outputs: Int, seed: UInt64) throws -> MLP {
        let stream = RandomStream(seed: seed, task: 20)
        var first = Matrix(rows: hidden, columns: n, elements: stream.gaussians(hidden * n))
        let scale = 1.5 / Double(n).squareRoot()
        for i in 0..<hidden {
            let mean = (0..<n).reduce(0.0) { $0 + first[i, $1] } / Double(n)
            for j in 0..<n { first[i, j] = (first[i, j] - mean) * scale }
        }
        let second = Matrix(rows: outputs, columns: hidden, elements: stream.gaussians(outputs * hidden, sigma: 1 / Double(hidden).squareRoot()))
        return try MLP(weights: [first, second], activations: [.tanh])
    }

    /// Trains the student (small random start, scale `initialScale`, from `RandomStream(seed: seed, task: 21)`)
    /// with `method` at `learningRate`; same seeded streams, relative evaluation loss and divergence rule as
    /// `LOCOLearning.train`. `options.rank` is the input layer's projector rank, `hiddenRank` the hidden layer's.
    public static func train(task: ClusteredTask, method: LearningMethod, learningRate: Double, options: LOCOLearningOptions,
                             seed: UInt64, hidden: Int = 64, hiddenRank: Int = 10, initialScale: Double = 0.1) throws -> LOCOLearningCurve {
        try options.validate()
        guard learningRate > 0, learningRate.isFinite else { throw PerturbationError.invalidArgument("the learning rate must be positive") }
        guard hidden >= 1, hiddenRank >= 1, hiddenRank <= hidden, hiddenRank <= options.batchSize, options.rank <= task.inputs else {
            throw PerturbationError.invalidArgument("need hidden >= 1 and 1 <= hidden rank <= min(hidden, batch), got \(hidden), \(hiddenRank)")
        }
        guard options.flippedInputs <= task.inputs else {
            throw PerturbationError.invalidArgument("cannot flip \(options.flippedInputs) of \(task.inputs) inputs")
        }
        guard initialScale >= 0, initialScale.isFinite else { throw PerturbationError.invalidArgument("initial scale must be finite and >= 0") }
        let teacher = try teacher(inputs: task.inputs, hidden: hidden, outputs: task.outputs, seed: seed)
        let data = RandomStream(seed: seed, task: 10)
        let evaluation = Matrix((0..<task.clusters).flatMap { k in
            let x = task.sample(cluster: k, count: options.evaluationPerCluster, stream: data)
            return (0..<x.rows).map { x.row($0) }
        })
        let evaluationTargets = try teacher.outputs(evaluation)
        let batches = RandomStream(seed: seed, task: 11)
        let estimator = try NodePerturbationEstimator(sigma: options.sigma)
        var network = try MLP.random(widths: [task.inputs, hidden, task.outputs], activations: [.tanh], scale: initialScale, seed: seed, task: 21)
        let initialLoss = try network.loss(inputs: evaluation, targets: evaluationTargets)
        let ranks = [options.rank, hiddenRank]
        var builders = try [task.inputs, hidden].enumerated().map { l, width in
            try LOCOProjectorBuilder(inputDimension: width, configuration: LOCOConfiguration(
                clusters: task.clusters, rank: ranks[l], bufferCapacity: options.bufferCapacity, kMeansIterations: 20,
                initialisation: .plusPlus(seed: seed &+ UInt64(l))))
        }
        var labels: [Int] = []
        var lastClustering: KMeansResult?
        let usesBuilders = method == .owm || method == .loco
        if usesBuilders {
            // Input statistics only: the hidden builder sees the initial student's hidden activity.
            let warmup = RandomStream(seed: seed, task: 12)
            for _ in 0..<options.warmupBatches {
                let k = warmup.integer(below: task.clusters)
                let x = task.sample(cluster: k, count: options.batchSize, stream: warmup)
                let pass = try network.forward(x)
                for l in 0..<2 { _ = try builders[l].projection(for: pass.activities[l]) }
                labels.append(k)
                if labels.count > options.bufferCapacity { labels.removeFirst() }
            }
        }
        let signs = try PresynapticSigns.flippingFirst(options.flippedInputs, of: task.inputs)
        var log = LossLog(every: options.logEvery, last: options.steps)
        for step in 1...options.steps {
            let cluster = batches.integer(below: task.clusters)
            let x = task.sample(cluster: cluster, count: options.batchSize, stream: batches)
            let t = try teacher.outputs(x)
            var updates: [Matrix]
            switch method {
            case .sgd:
                updates = try network.backpropagate(inputs: x, targets: t).weightGradients
            default:
                let estimate = try estimator.estimate(network: network, inputs: x, targets: t, seed: seed, task: UInt64(step))
                let pass = try network.forward(x)
                if usesBuilders {
                    labels.append(cluster)
                    if labels.count > options.bufferCapacity { labels.removeFirst() }
                }
                updates = []
                for l in 0..<2 {
                    let activity = pass.activities[l]
                    let presynaptic: Matrix
                    switch method {
                    case .np: presynaptic = activity
                    case .lowRank: presynaptic = try PrincipalSubspace.projector(batch: activity, rank: ranks[l]).apply(activity)
                    default:
                        let loco = try builders[l].projection(for: activity)
                        if l == 0 { lastClustering = loco.clustering ?? lastClustering }
                        presynaptic = method == .loco ? loco.projector.apply(activity) : (loco.removed?.apply(activity) ?? activity)
                    }
                    updates.append(try estimate.weightGradient(layer: l, presynaptic: presynaptic))
                }
            }
            if options.flippedInputs > 0 { updates[0] = PresynapticSigns.apply(signs, to: updates[0]) }
            for l in 0..<2 {
                for k in network.weights[l].elements.indices { network.weights[l].elements[k] -= learningRate * updates[l].elements[k] }
            }
            if try !log.record(step: step, { try network.loss(inputs: evaluation, targets: evaluationTargets) / initialLoss }) { break }
        }
        return LOCOLearningCurve(method: method, learningRate: learningRate, steps: log.steps, relativeLoss: log.losses, diverged: log.diverged,
                                 purity: lastClustering.map { LOCOLearning.purity(assignments: $0.assignments, labels: Array(labels.suffix($0.assignments.count))) })
    }

    /// Runs every (method, learning rate) pair on `threads` workers; curves[m][r].
    public static func sweep(task: ClusteredTask, methods: [LearningMethod], learningRates: [Double], options: LOCOLearningOptions,
                             seed: UInt64, hidden: Int = 64, threads: Int = 2,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[LOCOLearningCurve]] {
        let pairs = methods.flatMap { m in learningRates.map { (m, $0) } }
        let flat = try parallelMap(pairs.count, threads: threads, progress: progress) { i in
            try train(task: task, method: pairs[i].0, learningRate: pairs[i].1, options: options, seed: seed, hidden: hidden)
        }
        return methods.indices.map { m in Array(flat[(m * learningRates.count)..<((m + 1) * learningRates.count)]) }
    }
}
