import NumericalKit

/// The record of one training run, from either integrator: train and test loss and weight norms on a
/// log-spaced time grid (t = lr * epochs for the discrete protocol), how the run ended and what it cost.
public struct TrainingCurve: Sendable {
    public var times: [Double]
    public var trainLoss: [Double]
    public var testLoss: [Double]
    public var w1Norm: [Double]
    public var w2Norm: [Double]
    public var status: ODEStatus
    /// Continuous: GSL's counts. Discrete: steps = minibatch updates, function evaluations = batch gradients.
    public var statistics: ODEStatistics
    public var finalWeights: TwoLayerWeights
    /// Flattened weights sampled in the final window, for the order parameter q (empty unless requested).
    public var window: [[Double]]
    /// Discrete protocol: the reference's logged epoch index of each entry (entry 0 is "before training").
    public var loggedEpochs: [Int] = []

    public init(times: [Double], trainLoss: [Double], testLoss: [Double], w1Norm: [Double], w2Norm: [Double], status: ODEStatus,
                statistics: ODEStatistics, finalWeights: TwoLayerWeights, window: [[Double]] = []) {
        self.times = times
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.w1Norm = w1Norm
        self.w2Norm = w2Norm
        self.status = status
        self.statistics = statistics
        self.finalWeights = finalWeights
        self.window = window
    }

    public static let columns = ["t", "train_loss", "test_loss", "w1_norm", "w2_norm"]

    public var rows: [[Double]] { times.indices.map { [times[$0], trainLoss[$0], testLoss[$0], w1Norm[$0], w2Norm[$0]] } }

    public var finalTrainLoss: Double { trainLoss.last ?? .nan }
    public var finalTestLoss: Double { testLoss.last ?? .nan }
    /// The largest recorded train loss (the reference's max-error maps use it to see transient ascent).
    public var maxTrainLoss: Double { trainLoss.max() ?? .nan }
}

/// The continuous full-batch integration takes the same options as the population flow (its q window
/// fields apply to it only).
public typealias ContinuousTrainingOptions = LearningSolveOptions

extension FullBatchFlow {
    /// Integrates the flow with GSL from the problem's start and records the training curve.
    public func trainingCurve(options: ContinuousTrainingOptions, progress: ((ODEProgress) -> Void)? = nil) throws -> TrainingCurve {
        try options.validate(parameterCount: dimension)
        let stepper = try options.makeStepper(jacobian: makeJacobian)
        let p = problem
        // The teacher's map norm seen by the data: rms target over the rms input component.
        let train = p.data.train
        let rmsTarget = (Vector.dot(train.targets, train.targets) / Double(train.count)).squareRoot()
        let rmsInput = (Vector.dot(train.inputs.elements, train.inputs.elements) / Double(train.inputs.elements.count)).squareRoot()
        let teacherScale = rmsInput > 0 ? rmsTarget / rmsInput : 0
        var ode = options.odeOptions(start: p.start.flattened, teacherScale: teacherScale.isFinite ? teacherScale : 0, progress: progress)
        let logTimes = try OutputTimes.logarithmic(count: options.observationCount, first: options.firstObservation).times(start: 0, end: options.endTime)
        var grid = logTimes
        var windowTimes: Set<Double> = []
        if let d = options.windowDuration {
            let t0 = options.endTime - d
            let w = (0..<options.windowSamples).map { t0 + d * Double($0) / Double(options.windowSamples - 1) }
            windowTimes = Set(w)
            grid = Array(Set(grid).union(w)).sorted()
        }
        ode.output = .explicit(Array(grid.dropFirst()))
        ode.saveStates = options.windowDuration != nil
        let weights = { (y: UnsafeBufferPointer<Double>) in TwoLayerWeights(shape: self.shape, flattened: Array(y)) }
        ode.observables = [{ _, y in p.trainLoss(weights(y)) }, { _, y in p.testLoss(weights(y)) }]
            + LearningSolveOptions.weightNorms(w1Count: shape.hidden * shape.inputs)
        if let threshold = options.stopLoss {
            ode.stopCondition = StopCondition(threshold: threshold, direction: .falling) { _, y in p.trainLoss(weights(y)) }
        }
        let solution = try solve(odeProblem(endTime: options.endTime), stepper, options: ode)
        // Keep the log-spaced grid in the curve; the window samples only feed q.
        let logGrid = Set(logTimes)
        let keep = solution.times.indices.filter { logGrid.contains(solution.times[$0]) || solution.times[$0] == solution.times.last }
        let window = solution.states.isEmpty ? [] : solution.times.indices.filter { windowTimes.contains(solution.times[$0]) }.map { solution.states[$0] }
        return TrainingCurve(
            times: keep.map { solution.times[$0] }, trainLoss: keep.map { solution.observables[0][$0] },
            testLoss: keep.map { solution.observables[1][$0] }, w1Norm: keep.map { solution.observables[2][$0] },
            w2Norm: keep.map { solution.observables[3][$0] }, status: solution.status, statistics: solution.statistics,
            finalWeights: TwoLayerWeights(shape: shape, flattened: solution.finalState), window: window)
    }
}
