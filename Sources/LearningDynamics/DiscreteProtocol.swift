import NumericalKit

/// Options of the reference's discrete minibatch protocol (../shared/reference/curl-descent.md section 2.1).
public struct DiscreteTrainingOptions: Sendable {
    /// The reference's `learning_rate`; one epoch advances the time t by this much.
    public var learningRate = 0.1
    /// Minibatch size B (the last minibatch of an epoch may be smaller). B = P is full-batch training.
    public var batchSize = 10
    public var epochs = 100_000
    /// The `n` of the reference's log_downsample_indices (duplicates after rounding collapse, so fewer
    /// entries are recorded: 200 points over 1e5 epochs give 167).
    public var logPoints = 200
    /// A weight whose magnitude exceeds this (or any non-finite weight) ends the run as diverged.
    public var divergenceBound = 1e8
    /// Record the flattened weights after each of the last `windowEpochs` epochs (for q; the reference uses 999).
    public var windowEpochs: Int? = nil
    /// Stop at the first logged epoch (entries k >= 1) whose train loss on all P samples is below this value.
    public var stopLoss: Double? = nil
    /// Stop at the first logged entry by which every given loss has been below its threshold at some logged entry
    /// (entry 0 included), by `Thresholds.firstIndexBelow`'s floored-log criterion. Unlike `stopLoss` this never
    /// changes an epochs-to-threshold statistic: the crossing of each listed loss is recorded before the run stops,
    /// and a run that never crosses runs to its last epoch (the reference's "never reached" convention).
    public var stopAfterCrossing: [LossKind: Double] = [:]
    /// Take the rank-one path of a linear network (`LinearDiscreteUpdate`: O(NM + MB) per minibatch, O(NM + M^2) per
    /// full-batch epoch) when the network is linear. False forces the per-sample path every network takes otherwise
    /// (O(NMB) per minibatch): the two agree to round-off, and the per-sample path is the tests' oracle.
    public var useLinearStructure = true

    public init(learningRate: Double = 0.1, batchSize: Int = 10, epochs: Int = 100_000, logPoints: Int = 200,
                divergenceBound: Double = 1e8, windowEpochs: Int? = nil, stopLoss: Double? = nil) {
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.logPoints = logPoints
        self.divergenceBound = divergenceBound
        self.windowEpochs = windowEpochs
        self.stopLoss = stopLoss
    }

    /// Checks the options on their own; `trainDiscrete` also checks the batch size against the training set.
    public func validate() throws {
        guard learningRate > 0, learningRate.isFinite else {
            throw ParameterError("the learning rate must be positive and finite, got \(learningRate)")
        }
        guard batchSize >= 1 else {
            throw ParameterError("the batch size must be at least 1, got \(batchSize)")
        }
        guard epochs >= 1 else {
            throw ParameterError("the number of epochs must be at least 1, got \(epochs)")
        }
        guard logPoints >= 2 else {
            throw ParameterError("the log grid needs at least 2 points, got \(logPoints)")
        }
        guard divergenceBound > 0 else {
            throw ParameterError("the divergence bound must be positive, got \(divergenceBound)")
        }
        if let w = windowEpochs, !(1...epochs).contains(w) {
            throw ParameterError("the q window must span 1 to \(epochs) epochs, got \(w)")
        }
        if let s = stopLoss, !(s.isFinite && s > 0) {
            throw ParameterError("the stop loss must be positive and finite, got \(s)")
        }
        for (kind, s) in stopAfterCrossing where !(s.isFinite && s > 0) {
            throw ParameterError("the \(kind.rawValue) crossing threshold must be positive and finite, got \(s)")
        }
    }
}

extension TrainingProblem {
    /// Trains with the reference's discrete protocol (curl-descent.md 2.1) and records the training curve.
    ///
    /// Every epoch draws a permutation of the P training samples (Fisher-Yates from the identity, with one
    /// `RandomStream(seed: seed, role: SeedStream.shuffle)` for the whole run) and walks through it in consecutive
    /// minibatches of B samples (the last one may be smaller). Each minibatch updates
    /// theta -= eta_eff * S g, with g the rule's (pseudo-)gradient averaged over the minibatch (through the feedback
    /// vector for feedback alignment) and eta_eff = lr * B / P, so that an epoch is about one Euler step of size lr of
    /// the full-batch flow (exactly one when B = P). Under the norm constraint W1 and W2 are then rescaled to their
    /// initial norms |W1(0)|_F and |W2(0)|.
    ///
    /// Two paths compute this (`DiscreteUpdate`), equal to round-off: per sample (`GenericDiscreteUpdate`,
    /// `BatchGradient`, O(NMB) per minibatch) for any network, and for a linear network through u = W2 W1
    /// (`LinearDiscreteUpdate`: O(NM + MB) per minibatch; a full-batch epoch is O(NM + M^2) from X^T X / P and
    /// X^T y / P, and draws no permutation, which only the rounding of the per-sample sums would see).
    /// `options.useLinearStructure = false` forces the per-sample path. Logged losses are per-sample sums either way.
    ///
    /// Logging follows the reference, `LogSpacedEpochs.indices(epochs, logPoints)` = idx:
    /// * entry 0 is the state *before* training, at t = 0. Reference quirk: its train loss is measured on the
    ///   first B training samples only (the test loss on the full test set);
    /// * entry k >= 1 is the state after epoch idx[k] (0-based), at t = lr * (idx[k] + 1), with the train loss on
    ///   all P samples. The state after epoch idx[0] = 0 is therefore not logged (entry 0 takes its slot) unless
    ///   it is also the last epoch: the trained state after the last epoch is always recorded, so a single epoch
    ///   gives entry 0 and the state after epoch 0 at t = lr.
    /// `loggedEpochs` is idx (cut where the run stopped; with a single epoch, [0, 0]). Losses are 1/2 mean (y_hat - y)^2.
    ///
    /// A weight above `divergenceBound` in magnitude or a non-finite weight or loss (checked after every minibatch)
    /// ends the run with `.diverged(time:reason:)` at t = lr * (epochs done + fraction of the epoch's samples used);
    /// nothing from the bad state is recorded and `finalWeights` is the state at the end of the last complete epoch.
    /// `stopLoss` ends the run with `.stopped(time:)` at the first logged entry k >= 1 below it.
    /// `progress` receives (epochs done, epochs) about 100 times per run.
    ///
    /// The minibatch loop allocates nothing: theta and each path's buffers (shuffled data, gradient, u) are
    /// allocated once per run. Statistics: steps = minibatch updates, function evaluations = minibatch gradients.
    public func trainDiscrete(options: DiscreteTrainingOptions, progress: ((Int, Int) -> Void)? = nil) throws -> TrainingCurve {
        try options.validate()
        let train = data.train
        let p = train.count
        let b = options.batchSize
        guard b <= p else {
            throw ParameterError("the batch size \(b) exceeds the \(p) training samples")
        }
        let dimension = shape.parameterCount
        let lr = options.learningRate
        let bound = options.divergenceBound
        let epochs = options.epochs
        let etaEff = lr * Double(b) / Double(p)
        let logged = LogSpacedEpochs.indices(epochs: epochs, points: options.logPoints)
        let windowStart = options.windowEpochs.map { epochs - $0 } ?? epochs
        let progressStride = max(1, epochs / 100)

        let theta = UnsafeMutablePointer<Double>.allocate(capacity: dimension)
        defer { theta.deallocate() }
        let startTheta = start.flattened
        theta.initialize(from: startTheta, count: dimension)
        let update: DiscreteUpdate = options.useLinearStructure && activation.isLinear
            ? LinearDiscreteUpdate(problem: self, theta: theta, etaEff: etaEff, batchSize: b)
            : GenericDiscreteUpdate(problem: self, theta: theta, etaEff: etaEff, batchSize: b)
        let stream = RandomStream(seed: seed, role: SeedStream.shuffle)
        let norm1 = start.w1.frobeniusNorm, norm2 = Vector.norm(start.w2)

        var times: [Double] = [], trainLosses: [Double] = [], testLosses: [Double] = []
        var w1Norms: [Double] = [], w2Norms: [Double] = [], loggedEpochs: [Int] = []
        var window: [[Double]] = []
        func currentWeights() -> TwoLayerWeights {
            TwoLayerWeights(shape: shape, flattened: Array(UnsafeBufferPointer(start: theta, count: dimension)))
        }
        func record(time: Double, trainLoss: Double, testLoss: Double, weights w: TwoLayerWeights, epoch: Int) {
            times.append(time)
            trainLosses.append(trainLoss)
            testLosses.append(testLoss)
            w1Norms.append(w.w1.frobeniusNorm)
            w2Norms.append(Vector.norm(w.w2))
            loggedEpochs.append(epoch)
        }

        // Entry 0: before training; the reference measures its train error on the first B samples only.
        let m = shape.inputs
        let head = Dataset(inputs: Matrix(rows: b, columns: m, elements: Array(train.inputs.elements[0..<(b * m)])),
                           targets: Array(train.targets[0..<b]))
        record(time: 0, trainLoss: Network.loss(of: start, activation: activation, on: head), testLoss: testLoss(start),
               weights: start, epoch: logged[0])
        // Losses still waiting for their first crossing (stopAfterCrossing); entry 0 counts.
        var pendingCrossings = options.stopAfterCrossing.filter { kind, threshold in
            Thresholds.firstIndexBelow(threshold: threshold, in: [kind == .train ? trainLosses[0] : testLosses[0]]) == nil
        }

        var status = ODEStatus.completed
        var statistics = ODEStatistics()
        var lastGood = startTheta  // the state at the end of the last complete epoch
        var nextLog = 1
        epochLoop: for epoch in 0..<epochs {
            update.beginEpoch(shuffle: stream)
            var offset = 0
            while offset < p {
                let count = min(b, p - offset)
                var (squares1, squares2) = update.step(offset: offset, count: count)
                statistics.functionEvaluations += 1
                offset += count
                statistics.steps += 1
                var reason: String? = nil
                if !(squares1.isFinite && squares2.isFinite) {
                    reason = "non-finite weights (or squared norm overflow) in epoch \(epoch)"
                } else if normConstraint {
                    let f1 = norm1 / squares1.squareRoot(), f2 = norm2 / squares2.squareRoot()
                    if f1.isFinite && f2.isFinite {
                        update.rescale(f1, f2)
                        squares1 = norm1 * norm1
                        squares2 = norm2 * norm2
                    } else {
                        reason = "a weight block vanished and cannot be rescaled to its initial norm in epoch \(epoch)"
                    }
                }
                // max |theta_i| <= the block norm, so only a block whose norm exceeds the bound needs scanning.
                if reason == nil && max(squares1, squares2) > bound * bound {
                    update.materialize()
                    for k in 0..<dimension where abs(theta[k]) > bound {
                        reason = "a weight exceeded the divergence bound \(bound) in epoch \(epoch)"
                        break
                    }
                }
                if let reason {
                    status = .diverged(time: lr * (Double(epoch) + Double(offset) / Double(p)), reason: reason)
                    break epochLoop
                }
            }
            update.materialize()
            lastGood.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: theta, count: dimension) }

            if epoch >= windowStart { window.append(lastGood) }
            // The last epoch is always logged: the log grid ends there except when it is also the first epoch
            // (a single epoch), whose slot entry 0 takes.
            let due = nextLog < logged.count && logged[nextLog] == epoch
            if due || epoch == epochs - 1 {
                if due { nextLog += 1 }
                let w = currentWeights()
                let (trainLoss, testLoss) = (self.trainLoss(w), self.testLoss(w))
                let time = lr * Double(epoch + 1)
                guard trainLoss.isFinite && testLoss.isFinite else {
                    status = .diverged(time: time, reason: "non-finite loss after epoch \(epoch)")
                    break epochLoop
                }
                record(time: time, trainLoss: trainLoss, testLoss: testLoss, weights: w, epoch: epoch)
                if let threshold = options.stopLoss, trainLoss < threshold {
                    status = .stopped(time: time)
                    progress?(epoch + 1, epochs)
                    break epochLoop
                }
                if !options.stopAfterCrossing.isEmpty {
                    pendingCrossings = pendingCrossings.filter { kind, threshold in
                        Thresholds.firstIndexBelow(threshold: threshold, in: [kind == .train ? trainLoss : testLoss]) == nil
                    }
                    if pendingCrossings.isEmpty && epoch < epochs - 1 {
                        status = .stopped(time: time)
                        progress?(epoch + 1, epochs)
                        break epochLoop
                    }
                }
            }
            if let progress, (epoch + 1) % progressStride == 0 || epoch + 1 == epochs { progress(epoch + 1, epochs) }
        }

        var curve = TrainingCurve(times: times, trainLoss: trainLosses, testLoss: testLosses, w1Norm: w1Norms, w2Norm: w2Norms,
                                  status: status, statistics: statistics,
                                  finalWeights: TwoLayerWeights(shape: shape, flattened: lastGood), window: window)
        curve.loggedEpochs = loggedEpochs
        return curve
    }
}

/// How one run of the discrete protocol moves theta = [vec(W1), W2] (a buffer the caller owns) through its
/// minibatches: the per-sample path (`GenericDiscreteUpdate`, any network) or the rank-one path of a linear network
/// (`LinearDiscreteUpdate`). `trainDiscrete` keeps the protocol itself: epochs, norms, divergence, logging.
protocol DiscreteUpdate: AnyObject {
    /// Prepares the epoch's minibatch order from the run's shuffle stream.
    func beginEpoch(shuffle stream: RandomStream)
    /// theta -= eta_eff S g over the samples at `offset ..< offset + count` of the epoch's order; returns the
    /// squared norms of the updated W1 and W2.
    func step(offset: Int, count: Int) -> (squares1: Double, squares2: Double)
    /// W1 *= f1, W2 *= f2 (possibly deferred until the next step or `materialize`).
    func rescale(_ f1: Double, _ f2: Double)
    /// Applies any deferred rescaling, so that theta holds the current weights.
    func materialize()
}

/// Fisher-Yates from the identity: order[0 ..< count] becomes a fresh seeded permutation of 0 ..< count.
func drawPermutation(_ order: UnsafeMutablePointer<Int>, count p: Int, from stream: RandomStream) {
    for i in 0..<p { order[i] = i }
    var i = p - 1
    while i > 0 {
        let j = stream.integer(below: i + 1)
        (order[i], order[j]) = (order[j], order[i])
        i -= 1
    }
}

/// The per-sample update, for any network: each epoch draws a permutation, each minibatch evaluates `BatchGradient`
/// on the rows it names (O(NMB); fused small kernels or dgemm) and descends with the mask. The oracle of the linear
/// path.
final class GenericDiscreteUpdate: DiscreteUpdate {
    private let theta: UnsafeMutablePointer<Double>
    private let nm: Int, n: Int, m: Int, p: Int
    private let kernel: BatchGradient
    private let gradient: UnsafeMutablePointer<Double>
    private let step: UnsafeMutablePointer<Double>  // eta_eff * S
    private let inputs: UnsafeMutablePointer<Double>
    private let targets: UnsafeMutablePointer<Double>
    private let order: UnsafeMutablePointer<Int>

    init(problem: TrainingProblem, theta: UnsafeMutablePointer<Double>, etaEff: Double, batchSize: Int) {
        let shape = problem.shape
        let train = problem.data.train
        (n, m, p) = (shape.hidden, shape.inputs, train.count)
        nm = n * m
        let dimension = shape.parameterCount
        self.theta = theta
        kernel = BatchGradient(shape: shape, activation: problem.activation, capacity: batchSize, feedback: problem.feedback)
        gradient = .allocate(capacity: dimension)
        step = .allocate(capacity: dimension)
        inputs = .allocate(capacity: p * m)
        targets = .allocate(capacity: p)
        order = .allocate(capacity: p)
        for (k, s) in problem.mask.enumerated() { step[k] = etaEff * s }
        inputs.initialize(from: train.inputs.elements, count: p * m)
        targets.initialize(from: train.targets, count: p)
    }

    deinit {
        for buffer in [gradient, step, inputs, targets] { buffer.deallocate() }
        order.deallocate()
    }

    /// A fresh seeded permutation; the kernel reads the rows and targets through it (no copies).
    func beginEpoch(shuffle stream: RandomStream) {
        drawPermutation(order, count: p, from: stream)
    }

    func step(offset: Int, count: Int) -> (squares1: Double, squares2: Double) {
        kernel.evaluate(theta: theta, inputs: inputs, targets: targets, rows: order + offset, count: count, into: gradient)
        return (descend(theta, step: step, gradient: gradient, count: nm),
                descend(theta + nm, step: step + nm, gradient: gradient + nm, count: n))
    }

    func rescale(_ f1: Double, _ f2: Double) {
        for k in 0..<nm { theta[k] *= f1 }
        for k in nm..<(nm + n) { theta[k] *= f2 }
    }

    func materialize() {}
}

/// theta -= step * gradient over `count` entries; returns the squared norm of the updated entries. Eight
/// independent partial sums let the reduction vectorise (a single running sum is a serial chain of additions).
@inline(__always)
private func descend(_ theta: UnsafeMutablePointer<Double>, step: UnsafePointer<Double>, gradient: UnsafePointer<Double>,
                     count: Int) -> Double {
    var sums = SIMD8<Double>(repeating: 0)
    var k = 0
    while k + 8 <= count {
        let t = UnsafeRawPointer(theta + k).loadUnaligned(as: SIMD8<Double>.self)
        let s = UnsafeRawPointer(step + k).loadUnaligned(as: SIMD8<Double>.self)
        let g = UnsafeRawPointer(gradient + k).loadUnaligned(as: SIMD8<Double>.self)
        let v = t - s * g
        UnsafeMutableRawPointer(theta + k).storeBytes(of: v, as: SIMD8<Double>.self)
        sums += v * v
        k += 8
    }
    var total = sums.sum()
    while k < count {
        let v = theta[k] - step[k] * gradient[k]
        theta[k] = v
        total += v * v
        k += 1
    }
    return total
}
