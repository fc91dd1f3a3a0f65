import Foundation
import NumericalKit

/// How the linear student's weight update is estimated in the learning experiments of loco.md section 7.2.
public enum LearningMethod: String, Sendable, CaseIterable {
    /// The exact gradient (backpropagation), the reference.
    case sgd
    /// Plain node perturbation.
    case np
    /// NP projected onto the batch mean and its top principal directions.
    case lowRank = "lowrank"
    /// NP projected onto the complement of the other clusters' directions.
    case owm
    /// Both: LOCO.
    case loco
}

/// Options of one learning run: plain SGD on the NP (or exact) update with cluster-pure minibatches.
public struct LOCOLearningOptions: Sendable {
    public var steps = 3000
    public var batchSize = 32
    public var sigma = 0.01
    public var rank = 14
    /// Evaluate the relative loss every this many steps.
    public var logEvery = 50
    /// LOCO's buffer of batch-mean directions.
    public var bufferCapacity = 400
    /// Batch means pushed into the buffer before training (input statistics only; the weights do not move),
    /// so the first steps do not cluster a nearly empty buffer.
    public var warmupBatches = 100
    public var evaluationPerCluster = 125
    /// Rule-flipped input neurons (curl descent's D1, column convention): the updates of the synapses leaving
    /// the first `flippedInputs` inputs change sign, for every method.
    public var flippedInputs = 0
    /// Draw every sample's cluster independently instead of cluster-pure batches: LOCO's failure mode (the
    /// batch's "own cluster" no longer describes its samples, which get projected away from their own subspace).
    public var mixedBatches = false

    public init() {}

    func validate() throws {
        guard flippedInputs >= 0 else { throw ParameterError("flipped inputs must be non-negative, got \(flippedInputs)") }
        guard steps >= 1, batchSize >= 2, sigma > 0, sigma.isFinite, rank >= 1, rank <= batchSize, logEvery >= 1, bufferCapacity >= 2,
              evaluationPerCluster >= 1 else {
            throw ParameterError("need steps >= 1, batch >= 2, sigma > 0, 1 <= rank <= batch, logEvery >= 1, buffer >= 2")
        }
    }
}

/// The record of one run: relative evaluation loss L(W)/L(W0) against steps.
public struct LOCOLearningCurve: Sendable {
    public let method: LearningMethod
    public let learningRate: Double
    public let steps: [Int]
    public let relativeLoss: [Double]
    /// The loss blew up (non-finite or above 1e6 times the start): this learning rate is unstable.
    public let diverged: Bool
    /// Fraction of LOCO's buffer directions whose k-means cluster's majority label is their own (nil when unused).
    public let purity: Double?

    public var finalLoss: Double { relativeLoss.last ?? .nan }
    /// Stable: no blow-up and the loss ended below where it started.
    public var isStable: Bool { !diverged && finalLoss < 1 }
    /// The first logged step with relative loss below `threshold`.
    public func steps(toReach threshold: Double) -> Int? { relativeLoss.firstIndex { $0 < threshold }.map { steps[$0] } }
}

public enum LOCOLearning {
    /// Trains W (n_out x n, from 0) on `task` with `method` at `learningRate`. Cluster choices, inputs and
    /// perturbations come from seeded streams: the same seed gives the same run, and every method sees the
    /// same sequence of batches.
    public static func train(task: ClusteredTask, method: LearningMethod, learningRate: Double, options: LOCOLearningOptions,
                             seed: UInt64) throws -> LOCOLearningCurve {
        try options.validate()
        guard learningRate > 0, learningRate.isFinite else { throw ParameterError("the learning rate must be positive") }
        let data = RandomStream(seed: seed, role: NPStreams.evaluation)
        let evaluation = task.evaluationSet(perCluster: options.evaluationPerCluster, stream: data)
        let evaluationTargets = task.targets(evaluation)
        let batches = RandomStream(seed: seed, role: NPStreams.batches)
        let estimator = try NodePerturbationEstimator(sigma: options.sigma)
        var network = try MLP(weights: [Matrix(rows: task.outputs, columns: task.inputs)], activations: [])
        let initialLoss = try network.loss(inputs: evaluation, targets: evaluationTargets)
        var builder = try LOCOProjectorBuilder(inputDimension: task.inputs, configuration: LOCOConfiguration(
            clusters: task.clusters, rank: options.rank, bufferCapacity: options.bufferCapacity, kMeansIterations: 20,
            initialisation: .plusPlus(seed: seed)))
        var labels: [Int] = []
        var lastClustering: KMeansResult?
        if method == .owm || method == .loco {
            let warmup = RandomStream(seed: seed, role: NPStreams.warmup)
            for _ in 0..<options.warmupBatches {
                let k = warmup.integer(below: task.clusters)
                try builder.record(task.sample(cluster: k, count: options.batchSize, stream: warmup))
                labels.append(k)
                if labels.count > options.bufferCapacity { labels.removeFirst() }
            }
        }
        guard options.flippedInputs <= task.inputs else {
            throw ParameterError("cannot flip \(options.flippedInputs) of \(task.inputs) inputs")
        }
        let signs = try SignMatrices.flippingFirst(options.flippedInputs, of: task.inputs)
        var log = LossLog(every: options.logEvery, last: options.steps)
        for step in 1...options.steps {
            let (cluster, x) = task.trainingBatch(count: options.batchSize, mixed: options.mixedBatches, stream: batches)
            let t = task.targets(x)
            var update: Matrix
            switch method {
            case .sgd:
                update = try network.backpropagate(inputs: x, targets: t).weightGradients[0]
            default:
                let estimate = try estimator.estimate(network: network, inputs: x, targets: t, seed: seed, draw: UInt64(step))
                let presynaptic: Matrix
                switch method {
                case .np: presynaptic = x
                case .lowRank: presynaptic = try PrincipalSubspace.projector(batch: x, rank: options.rank).apply(x)
                default:
                    let loco = try builder.projection(for: x)
                    labels.append(cluster)
                    if labels.count > options.bufferCapacity { labels.removeFirst() }
                    lastClustering = loco.clustering ?? lastClustering
                    presynaptic = method == .loco ? loco.projector.apply(x) : (loco.removed?.apply(x) ?? x)
                }
                update = try estimate.weightGradient(layer: 0, presynaptic: presynaptic)
            }
            if options.flippedInputs > 0 { update = SignMatrices.apply(signs, to: update) }
            for k in network.weights[0].elements.indices { network.weights[0].elements[k] -= learningRate * update.elements[k] }
            if try !log.record(step: step, { try network.loss(inputs: evaluation, targets: evaluationTargets) / initialLoss }) { break }
        }
        return LOCOLearningCurve(method: method, learningRate: learningRate, steps: log.steps, relativeLoss: log.losses, diverged: log.diverged,
                                 purity: lastClustering.map { purity(assignments: $0.assignments, labels: Array(labels.suffix($0.assignments.count))) })
    }

    /// Runs every (method, learning rate) pair on `threads` workers; curves[m][r].
    public static func sweep(task: ClusteredTask, methods: [LearningMethod], learningRates: [Double], options: LOCOLearningOptions,
                             seed: UInt64, threads: Int = 2, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[LOCOLearningCurve]] {
        let pairs = methods.flatMap { m in learningRates.map { (m, $0) } }
        let flat = try parallelMap(pairs.count, threads: threads, progress: progress) { i in
            try train(task: task, method: pairs[i].0, learningRate: pairs[i].1, options: options, seed: seed)
        }
        return methods.indices.map { m in Array(flat[(m * learningRates.count)..<((m + 1) * learningRates.count)]) }
    }

    /// Fraction of points whose cluster's majority label is their own label.
    public static func purity(assignments: [Int], labels: [Int]) -> Double {
        guard !assignments.isEmpty, assignments.count == labels.count else { return .nan }
        var counts: [Int: [Int: Int]] = [:]
        for (a, l) in zip(assignments, labels) { counts[a, default: [:]][l, default: 0] += 1 }
        return Double(counts.values.reduce(0) { $0 + ($1.values.max() ?? 0) }) / Double(assignments.count)
    }
}

/// The relative evaluation-loss record of the learning loops: a point every `every` steps and at the last
/// step, and a stop once the loss blows up (non-finite or above 1e6 times its start). A non-finite loss ends the
/// record without becoming data: the curve stops at the last finite point and `diverged` says why.
struct LossLog {
    let every: Int
    let last: Int
    private(set) var steps: [Int] = [0]
    private(set) var losses: [Double] = [1]
    private(set) var diverged = false

    init(every: Int, last: Int) {
        self.every = every
        self.last = last
    }

    /// Records `loss()` at `step` when a point is due; false once the run has blown up.
    mutating func record(step: Int, _ loss: () throws -> Double) rethrows -> Bool {
        guard step % every == 0 || step == last else { return true }
        let value = try loss()
        if value.isFinite {
            steps.append(step)
            losses.append(value)
        }
        diverged = !value.isFinite || value > 1e6
        return !diverged
    }
}
