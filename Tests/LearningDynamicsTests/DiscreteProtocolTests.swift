import Foundation
import NumericalKit
import Testing
import LearningDynamics

// The discrete protocol is the reference's training loop (the reference spec curl-descent.md section 2.1):
// per-epoch shuffle, minibatches of B, eta_eff = lr B / P, rescaling to the initial norms, log-spaced logging.
// Independent checks: the continuous flow (FullBatchFlow, GSL rk8pd) as lr -> 0, a hand-written Euler step,
// and the reference's logging quirks.

/// A small tanh network (M = 6, N = 4, P = 20) with one flipped input and one flipped hidden neuron.
func discreteTestProblem(normConstraint: Bool, rule: LearningRule = .curl(flippedInputs: .count(1), flippedHidden: .count(1)),
                         activation: NetworkActivation = .reference(.tanh), inputs: Int = 6, hidden: Int = 4, trainCount: Int = 20,
                         studentScale: Double = 2, seed: UInt64 = 11) throws -> TrainingProblem {
    let shape = try NetworkShape(inputs: inputs, hidden: hidden)
    let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.uniform(scale: studentScale)), seed: seed)
    let data = try TaskData(teacher: pair.teacher, activation: activation, trainCount: trainCount, seed: seed)
    return try TrainingProblem(start: pair.student, activation: activation, rule: rule, data: data, normConstraint: normConstraint, seed: seed)
}

/// The same problem with another seed for the minibatch order only (same start, data, rule).
func reseeded(_ problem: TrainingProblem, seed: UInt64) throws -> TrainingProblem {
    try TrainingProblem(start: problem.start, activation: problem.activation, rule: problem.rule, data: problem.data,
                        normConstraint: problem.normConstraint, seed: seed)
}

@Test(arguments: [false, true])
func discreteProtocolConvergesToTheContinuousFlowAsTheLearningRateShrinks(normConstraint: Bool) throws {
    let problem = try discreteTestProblem(normConstraint: normConstraint)
    let endTime = 4.0
    var continuous = ContinuousTrainingOptions()
    continuous.endTime = endTime
    continuous.observationCount = 10
    let flow = try FullBatchFlow(problem).trainingCurve(options: continuous)
    #expect(flow.status == .completed)
    let exact = flow.finalWeights.flattened
    // Make sure the test is not trivial: the weights move by O(1) over [0, T].
    #expect(Vector.norm(zip(exact, problem.start.flattened).map { $0 - $1 }) > 0.3)

    let rates = [0.04, 0.02, 0.01]
    func gaps(batch: Int) throws -> (weights: [Double], loss: [Double]) {
        var weightGaps: [Double] = [], lossGaps: [Double] = []
        for lr in rates {
            let options = DiscreteTrainingOptions(learningRate: lr, batchSize: batch, epochs: Int((endTime / lr).rounded()), logPoints: 10)
            let curve = try problem.trainDiscrete(options: options)
            #expect(curve.status == .completed)
            #expect(abs(curve.times.last! - endTime) < 1e-12)
            weightGaps.append(Vector.norm(zip(curve.finalWeights.flattened, exact).map { $0 - $1 }))
            lossGaps.append(abs(curve.finalTrainLoss - flow.finalTrainLoss))
        }
        return (weightGaps, lossGaps)
    }
    // Full batch: explicit Euler (then a retraction onto the spheres), a first-order method.
    let full = try gaps(batch: 20)
    print("discrete vs continuous, constraint \(normConstraint), B = P: weight gaps \(full.weights), train-loss gaps \(full.loss)")
    for k in 1..<rates.count {
        let ratio = full.weights[k - 1] / full.weights[k]
        #expect(ratio >= 1.6 && ratio <= 2.5, "weight-gap ratio \(ratio) at lr = \(rates[k])")
    }
    #expect(full.weights.last! < 0.05)
    // Minibatches (B = 5, 4 updates per epoch, reshuffled): still a consistent discretisation.
    let mini = try gaps(batch: 5)
    print("discrete vs continuous, constraint \(normConstraint), B = 5: weight gaps \(mini.weights), train-loss gaps \(mini.loss)")
    #expect(mini.weights[1] < mini.weights[0] && mini.weights[2] < mini.weights[1])
    for k in 1..<rates.count {
        let ratio = mini.weights[k - 1] / mini.weights[k]
        #expect(ratio >= 1.4 && ratio <= 2.8, "minibatch weight-gap ratio \(ratio) at lr = \(rates[k])")
    }
}

/// The rule's pseudo-gradient by hand (no BLAS): e = psi(a2) - y, g2 = mean e h, g1 = mean ((F e) phi'(a1)) x^T.
func handPseudoGradient(_ problem: TrainingProblem, _ weights: TwoLayerWeights) -> [Double] {
    let (m, n) = (problem.shape.inputs, problem.shape.hidden)
    let phi = problem.activation.hidden, psi = problem.activation.output
    let train = problem.data.train
    var g1 = [Double](repeating: 0, count: n * m), g2 = [Double](repeating: 0, count: n)
    for s in 0..<train.count {
        let x = train.inputs.row(s)
        let a1 = (0..<n).map { i in (0..<m).reduce(0.0) { $0 + weights.w1[i, $1] * x[$1] } }
        let h = a1.map(phi.value)
        let a2 = (0..<n).reduce(0.0) { $0 + weights.w2[$1] * h[$1] }
        let e = psi.value(a2) - train.targets[s]
        let f = problem.feedback ?? weights.w2
        for i in 0..<n {
            g2[i] += e * h[i] / Double(train.count)
            for j in 0..<m { g1[i * m + j] += f[i] * e * phi.derivative(a1[i]) * x[j] / Double(train.count) }
        }
    }
    return g1 + g2
}

@Test(arguments: [LearningRule.gradientDescent, .curl(flippedInputs: .count(2), flippedHidden: .count(1)),
                  .feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(2))])
func oneFullBatchEpochIsOneExplicitEulerStep(rule: LearningRule) throws {
    let problem = try discreteTestProblem(normConstraint: false, rule: rule)
    let lr = 0.3
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: lr, batchSize: 20, epochs: 1, logPoints: 2))
    let theta = problem.start.flattened
    let g = handPseudoGradient(problem, problem.start)
    let expected = theta.indices.map { theta[$0] - lr * problem.mask[$0] * g[$0] }
    #expect(Vector.maxAbsDifference(curve.finalWeights.flattened, expected) < 1e-14)
    #expect(Vector.maxAbsDifference(expected, theta) > 1e-2)  // the step is not negligible
    #expect(curve.statistics.steps == 1 && curve.statistics.functionEvaluations == 1)
    // A single epoch logs the "before training" entry and the trained state at t = lr (the reference's grid
    // [0] would drop the only epoch trained).
    #expect(curve.loggedEpochs == [0, 0] && curve.times == [0, lr])
    #expect(curve.finalTrainLoss == problem.trainLoss(curve.finalWeights))
    #expect(curve.w1Norm.last == curve.finalWeights.w1.frobeniusNorm && curve.w2Norm.last == Vector.norm(curve.finalWeights.w2))
}

@Test("the trained state after the last epoch is recorded at t = lr * epochs, whatever the log grid",
      arguments: [(1, 2), (1, 200), (2, 2), (3, 2), (7, 3), (50, 4)])
func lastEpochIsAlwaysRecorded(epochs: Int, logPoints: Int) throws {
    let problem = try discreteTestProblem(normConstraint: false, rule: .gradientDescent)
    let lr = 0.05
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: lr, batchSize: 5, epochs: epochs, logPoints: logPoints))
    #expect(curve.status == .completed)
    #expect(curve.times.count >= 2)
    #expect(abs(curve.times.last! - lr * Double(epochs)) <= 1e-12 * lr * Double(epochs))
    #expect(curve.loggedEpochs.last == epochs - 1)
    #expect(curve.finalTrainLoss == problem.trainLoss(curve.finalWeights))
    #expect(zip(curve.times, curve.times.dropFirst()).allSatisfy { $0 < $1 }, "times strictly increasing")
}

@Test func twoFullBatchEpochsAreTwoEulerStepsAndTheirTimeIsTwiceTheRate() throws {
    let problem = try discreteTestProblem(normConstraint: false, rule: .gradientDescent)
    let lr = 0.2
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: lr, batchSize: 20, epochs: 2, logPoints: 2))
    var theta = problem.start.flattened
    for _ in 0..<2 {
        let g = handPseudoGradient(problem, TwoLayerWeights(shape: problem.shape, flattened: theta))
        theta = theta.indices.map { theta[$0] - lr * g[$0] }
    }
    #expect(Vector.maxAbsDifference(curve.finalWeights.flattened, theta) < 1e-14)
    #expect(curve.loggedEpochs == [0, 1])
    #expect(abs(curve.times[1] - 2 * lr) < 1e-15)
    #expect(abs(curve.trainLoss[1] - problem.trainLoss(curve.finalWeights)) < 1e-15)
}

@Test func normConstraintHoldsAfterEveryEpoch() throws {
    let problem = try discreteTestProblem(normConstraint: true, rule: .curl(flippedInputs: .count(3), flippedHidden: .count(2)))
    let epochs = 60
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: 0.5, batchSize: 6, epochs: epochs, logPoints: 20,
                                                                           windowEpochs: epochs))
    #expect(curve.status == .completed)
    #expect(curve.window.count == epochs)
    let norm1 = problem.start.w1.frobeniusNorm, norm2 = Vector.norm(problem.start.w2)
    let nm = problem.shape.hidden * problem.shape.inputs
    var worst = 0.0
    for theta in curve.window {
        worst = max(worst, abs(Vector.norm(Array(theta[0..<nm])) - norm1) / norm1, abs(Vector.norm(Array(theta[nm...])) - norm2) / norm2)
    }
    for k in curve.times.indices {
        worst = max(worst, abs(curve.w1Norm[k] - norm1) / norm1, abs(curve.w2Norm[k] - norm2) / norm2)
    }
    #expect(worst < 1e-12, "largest relative norm drift \(worst)")
    // The weights did move on the spheres.
    #expect(Vector.maxAbsDifference(curve.window.last!, problem.start.flattened) > 1e-2)
    #expect(curve.window.last! == curve.finalWeights.flattened)
}

@Test func seedsReproduceRunsAndOnlyReorderTheMinibatches() throws {
    let problem = try discreteTestProblem(normConstraint: true)
    let options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: 5, epochs: 40, logPoints: 15)
    let a = try problem.trainDiscrete(options: options)
    let b = try problem.trainDiscrete(options: options)
    #expect(a.finalWeights == b.finalWeights)
    #expect(a.trainLoss == b.trainLoss && a.testLoss == b.testLoss && a.times == b.times)

    let other = try reseeded(problem, seed: 12)
    #expect(other.data == problem.data && other.start == problem.start && other.mask == problem.mask)
    let c = try other.trainDiscrete(options: options)
    #expect(c.trainLoss[0] == a.trainLoss[0] && c.testLoss[0] == a.testLoss[0])  // same data and start
    #expect(Vector.maxAbsDifference(c.finalWeights.flattened, a.finalWeights.flattened) > 1e-6)  // different order

    // Full batch: the order only changes the summation order inside the mean.
    var full = options
    full.batchSize = 20
    let d = try problem.trainDiscrete(options: full), e = try other.trainDiscrete(options: full)
    #expect(Vector.maxAbsDifference(d.finalWeights.flattened, e.finalWeights.flattened) < 1e-12)
}

@Test func loggedEntriesFollowTheReferenceGridAndItsFirstEntryQuirk() throws {
    let problem = try discreteTestProblem(normConstraint: true)
    let (epochs, points, batch, lr) = (300, 30, 6, 0.05)
    var reports: [(Int, Int)] = []
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: lr, batchSize: batch, epochs: epochs, logPoints: points)) {
        reports.append(($0, $1))
    }
    #expect(!reports.isEmpty && reports.last! == (epochs, epochs) && reports.allSatisfy { $0.1 == epochs })
    #expect(zip(reports, reports.dropFirst()).allSatisfy { $0.0 < $1.0 })
    let indices = LogSpacedEpochs.indices(epochs: epochs, points: points)
    #expect(curve.times.count == indices.count && curve.trainLoss.count == indices.count && curve.testLoss.count == indices.count)
    #expect(curve.w1Norm.count == indices.count && curve.w2Norm.count == indices.count)
    #expect(curve.loggedEpochs == indices)
    #expect(curve.times[0] == 0)
    for k in 1..<indices.count { #expect(abs(curve.times[k] - lr * Double(indices[k] + 1)) < 1e-12) }
    #expect(abs(curve.times.last! - lr * Double(epochs)) < 1e-12)

    // Entry 0: before training, train loss on the first B samples only, test loss on the whole test set.
    let train = problem.data.train
    let m = problem.shape.inputs
    let head = Dataset(inputs: Matrix(rows: batch, columns: m, elements: Array(train.inputs.elements[0..<(batch * m)])),
                       targets: Array(train.targets[0..<batch]))
    #expect(curve.trainLoss[0] == Network.loss(of: problem.start, activation: problem.activation, on: head))
    #expect(curve.trainLoss[0] != problem.trainLoss(problem.start))
    #expect(curve.testLoss[0] == problem.testLoss(problem.start))
    // Later entries: all P samples; the last one is the final state.
    #expect(curve.finalTrainLoss == problem.trainLoss(curve.finalWeights))
    #expect(curve.finalTestLoss == problem.testLoss(curve.finalWeights))
    // 20 samples in batches of 6: 6, 6, 6, 2, so 4 updates per epoch.
    #expect(curve.statistics.steps == 4 * epochs && curve.statistics.functionEvaluations == 4 * epochs)
    #expect(curve.window.isEmpty)
}

@Test func stopLossEndsAtTheFirstLoggedEpochBelowIt() throws {
    let problem = try discreteTestProblem(normConstraint: false, rule: .gradientDescent, activation: .linear, studentScale: 1)
    let options = DiscreteTrainingOptions(learningRate: 0.2, batchSize: 20, epochs: 20_000, logPoints: 100, stopLoss: 1e-4)
    let curve = try problem.trainDiscrete(options: options)
    guard case .stopped(let time) = curve.status else {
        Issue.record("expected a stop, got \(curve.status)")
        return
    }
    #expect(time == curve.times.last!)
    #expect(curve.finalTrainLoss < 1e-4)
    #expect(curve.trainLoss.dropFirst().dropLast().allSatisfy { $0 >= 1e-4 })
    #expect(curve.loggedEpochs == Array(LogSpacedEpochs.indices(epochs: 20_000, points: 100).prefix(curve.times.count)))
    #expect(curve.finalTrainLoss == problem.trainLoss(curve.finalWeights))
}

@Test func divergenceIsReportedAndNothingNonFiniteIsRecorded() throws {
    let problem = try discreteTestProblem(normConstraint: false, rule: .gradientDescent, activation: .linear, studentScale: 1)
    let curve = try problem.trainDiscrete(options: DiscreteTrainingOptions(learningRate: 40, batchSize: 5, epochs: 1000, logPoints: 50))
    guard case .diverged(let time, let reason) = curve.status else {
        Issue.record("expected divergence, got \(curve.status)")
        return
    }
    #expect(time > 0 && time <= 40 * 1000)
    #expect(!reason.isEmpty)
    #expect(!curve.times.isEmpty && curve.times.allSatisfy { $0 < time })
    for series in [curve.trainLoss, curve.testLoss, curve.w1Norm, curve.w2Norm, curve.finalWeights.flattened] {
        #expect(series.allSatisfy { $0.isFinite })
    }
    #expect(curve.finalWeights.flattened.allSatisfy { abs($0) <= 1e8 })
    #expect(curve.statistics.steps < 4 * 1000)
}

@Test(arguments: [
    DiscreteTrainingOptions(learningRate: 0), DiscreteTrainingOptions(learningRate: -0.1), DiscreteTrainingOptions(learningRate: .nan),
    DiscreteTrainingOptions(batchSize: 0), DiscreteTrainingOptions(batchSize: 21), DiscreteTrainingOptions(epochs: 0),
    DiscreteTrainingOptions(logPoints: 1), DiscreteTrainingOptions(divergenceBound: 0), DiscreteTrainingOptions(epochs: 10, windowEpochs: 11),
    DiscreteTrainingOptions(windowEpochs: 0), DiscreteTrainingOptions(stopLoss: -1),
])
func badDiscreteOptionsThrow(options: DiscreteTrainingOptions) throws {
    let problem = try discreteTestProblem(normConstraint: false)
    #expect(throws: ParameterError.self) { try problem.trainDiscrete(options: options) }
}
