import Foundation
import NumericalKit

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
    /// Steps between refits of each layer's k-means centroids (loco.md 7.1: "refreshed every 200 steps"); the fit is
    /// also made at the end of the warm-up. 1 refits every batch, like the author code; own cluster, P_owm and the
    /// principal directions are always the batch's own. Validated by `LOCOConfiguration`.
    public var centroidRefresh = 200
    /// Workers for the layers' updates within a step (1: one after the other); results do not depend on it.
    public var layerThreads = 1

    public init() {}

    func validate() throws {
        guard flippedInputs >= 0 else { throw ParameterError("flipped inputs must be non-negative, got \(flippedInputs)") }
        guard steps >= 1, batchSize >= 2, sigma > 0, sigma.isFinite, rank >= 1, rank <= batchSize, logEvery >= 1, bufferCapacity >= 2,
              evaluationPerCluster >= 1, layerThreads >= 1 else {
            throw ParameterError("need steps >= 1, batch >= 2, sigma > 0, 1 <= rank <= batch, logEvery >= 1, buffer >= 2, layer threads >= 1")
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
    /// Trains `student` on `task` with `method` at `learningRate` (`LOCOTrainer`), logging the relative evaluation
    /// loss L/L(start) on `options.evaluationPerCluster` inputs per cluster (stream `NPStreams.evaluation`). Cluster
    /// choices, inputs and perturbations come from seeded streams: the same seed gives the same run, and every
    /// method sees the same sequence of batches.
    public static func train(task: ClusteredTask, student: LOCOStudent = .linear, method: LearningMethod, learningRate: Double,
                             options: LOCOLearningOptions, seed: UInt64) throws -> LOCOLearningCurve {
        var trainer = try LOCOTrainer(task: task, student: student, method: method, learningRate: learningRate, options: options, seed: seed)
        let evaluation = task.evaluationSet(perCluster: options.evaluationPerCluster, stream: RandomStream(seed: seed, role: NPStreams.evaluation))
        let evaluationTargets = try trainer.targets(evaluation)
        let initialLoss = try trainer.loss(inputs: evaluation, targets: evaluationTargets)
        var log = LossLog(every: options.logEvery, last: options.steps)
        for step in 1...options.steps {
            try trainer.step(step)
            if try !log.record(step: step, { try trainer.loss(inputs: evaluation, targets: evaluationTargets) / initialLoss }) { break }
        }
        return LOCOLearningCurve(method: method, learningRate: learningRate, steps: log.steps, relativeLoss: log.losses, diverged: log.diverged,
                                 purity: trainer.purity)
    }

    /// Runs every (method, learning rate) pair on `threads` workers; curves[m][r].
    public static func sweep(task: ClusteredTask, student: LOCOStudent = .linear, methods: [LearningMethod], learningRates: [Double],
                             options: LOCOLearningOptions, seed: UInt64, threads: Int = 2,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> [[LOCOLearningCurve]] {
        let pairs = methods.flatMap { m in learningRates.map { (m, $0) } }
        let flat = try parallelMap(pairs.count, threads: threads, progress: progress) { i in
            try train(task: task, student: student, method: pairs[i].0, learningRate: pairs[i].1, options: options, seed: seed)
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
