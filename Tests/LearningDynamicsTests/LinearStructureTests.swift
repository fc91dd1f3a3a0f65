import Foundation
import NumericalKit
import Testing
import LearningDynamics

// The rank-one path of a linear network (discrete protocol: LinearDiscreteUpdate; full-batch flow: the sufficient
// statistics X^T X / P, X^T y / P) against the per-sample path every network takes (BatchGradient), which stays
// reachable through `useLinearStructure: false` as the oracle.

/// M = 9 (one eight-wide block plus a tail; two four-wide blocks plus a tail), N = 31 (odd: the last row has no
/// partner), P = 23 (B = 4 leaves a last minibatch of 3).
private func linearProblem(_ rule: LearningRule, normConstraint: Bool, inputs: Int = 9, hidden: Int = 31) throws -> TrainingProblem {
    try discreteTestProblem(normConstraint: normConstraint, rule: rule, activation: .linear, inputs: inputs, hidden: hidden, trainCount: 23,
                            studentScale: 1)
}

/// Rules and constraints whose 2000 epochs at lr = 0.1 stay bounded (an unconstrained flip of the row convention's
/// output row, or of 1 in 5 hidden neurons, blows up within 100 epochs, and near a blow-up the Euler map amplifies
/// round-off without bound). Flips in both layers, both conventions, feedback alignment.
private let boundedCases: [(rule: LearningRule, normConstraint: Bool)] = [
    (.gradientDescent, false), (.gradientDescent, true),
    (.curl(flippedInputs: .count(1), flippedHidden: .count(2)), false), (.curl(flippedInputs: .count(2), flippedHidden: .count(3)), true),
    (.curl(flippedInputs: .count(2), flippedHidden: .none, convention: .row), false),
    (.curl(flippedInputs: .count(2), flippedHidden: .count(1), convention: .row), true),
    (.feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(2)), false),
    (.feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(2)), true),
    (.feedbackAlignment(flippedInputs: .count(3), flippedHidden: .count(1), convention: .row), true),
]

@Test("the linear discrete path equals the per-sample path to 1e-12 relative over 2000 epochs",
      arguments: boundedCases.indices, [4, 23])
func linearDiscretePathEqualsPerSamplePath(caseIndex: Int, batchSize: Int) throws {
    let (rule, normConstraint) = boundedCases[caseIndex]
    let problem = try linearProblem(rule, normConstraint: normConstraint)
    var options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: batchSize, epochs: 2000, logPoints: 30, windowEpochs: 3)
    let linear = try problem.trainDiscrete(options: options)
    options.useLinearStructure = false
    let perSample = try problem.trainDiscrete(options: options)

    #expect(linear.status == .completed && perSample.status == .completed)
    #expect(linear.times == perSample.times && linear.loggedEpochs == perSample.loggedEpochs)
    #expect(linear.statistics.steps == perSample.statistics.steps)
    let start = problem.start.flattened, final = perSample.finalWeights.flattened
    let scale = final.map(abs).max()!
    // Not a trivial comparison: the weights travel.
    #expect(Vector.norm(zip(final, start).map { $0 - $1 }) > 0.05 * Vector.norm(start))
    #expect(Vector.maxAbsDifference(linear.finalWeights.flattened, final) <= 1e-12 * scale)
    #expect(linear.window.count == 3)
    for (a, b) in zip(linear.window, perSample.window) { #expect(Vector.maxAbsDifference(a, b) <= 1e-12 * scale) }
    // Losses as rms errors in units of the targets' rms (a relative loss is meaningless once the loss is at round-off).
    let targets = problem.data.train.targets
    let rmsTarget = (Vector.dot(targets, targets) / Double(targets.count)).squareRoot()
    for (a, b) in zip(linear.trainLoss + linear.testLoss, perSample.trainLoss + perSample.testLoss) {
        #expect(abs((2 * a).squareRoot() - (2 * b).squareRoot()) <= 1e-12 * rmsTarget)
    }
    for (a, b) in zip(linear.w1Norm + linear.w2Norm, perSample.w1Norm + perSample.w2Norm) { #expect(abs(a - b) <= 1e-12 * b) }
}

@Test("a blow-up ends both paths at the same minibatch with the same reason", arguments: [4, 23])
func linearDiscretePathDivergesWhereThePerSamplePathDoes(batchSize: Int) throws {
    // One flipped hidden neuron in five, no norm constraint: the weights pass 1e8 within about 100 epochs.
    let problem = try linearProblem(.curl(flippedInputs: .count(2), flippedHidden: .count(1)), normConstraint: false, inputs: 11, hidden: 5)
    var options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: batchSize, epochs: 2000, logPoints: 30)
    let linear = try problem.trainDiscrete(options: options)
    options.useLinearStructure = false
    let perSample = try problem.trainDiscrete(options: options)
    guard case .diverged = perSample.status else {
        Issue.record("expected a blow-up, got \(perSample.status)")
        return
    }
    #expect(linear.status == perSample.status)
    #expect(linear.times == perSample.times)
    let final = perSample.finalWeights.flattened
    #expect(Vector.maxAbsDifference(linear.finalWeights.flattened, final) <= 1e-11 * final.map(abs).max()!)
}

@Test("near the solution manifold the linear path's train loss floor is the per-sample path's (log10 within 0.3)",
      arguments: [LearningRule.gradientDescent, .curl(flippedInputs: .none, flippedHidden: .count(4))], [10, 80])
func linearPathKeepsTheLossFloorNearTheManifold(rule: LearningRule, batchSize: Int) throws {
    // The reference's Fig. 4 start: the teacher with 1e-15 added to W1, train losses around 1e-30 and below, where
    // u C - b (full batch) and u x_p - y_p (minibatches) cancel to round-off.
    let shape = try NetworkShape(inputs: 16, hidden: 40)
    for seed: UInt64 in [1, 2] {
        let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.uniform(scale: 1)), seed: seed)
        let data = try TaskData(teacher: pair.teacher, activation: .linear, trainCount: 80, seed: seed)
        let start = TwoLayerWeights(shape: shape, flattened: pair.teacher.w1.elements.map { $0 + 1e-15 } + pair.teacher.w2)
        let problem = try TrainingProblem(start: start, activation: .linear, rule: rule, data: data, normConstraint: true, seed: seed)
        var options = DiscreteTrainingOptions(learningRate: 0.1, batchSize: batchSize, epochs: 600, logPoints: 12)
        let linear = try problem.trainDiscrete(options: options)
        options.useLinearStructure = false
        let perSample = try problem.trainDiscrete(options: options)
        #expect(perSample.trainLoss.allSatisfy { $0 < 1e-28 })
        for (a, b) in zip(linear.trainLoss, perSample.trainLoss) {
            #expect(abs(log10(a) - log10(b)) <= 0.3, "train loss \(a) against \(b)")
        }
    }
}

@Test func factoredSignMaskExpandsToTheW1Mask() throws {
    let shape = try NetworkShape(inputs: 5, hidden: 7)
    for convention in FlipConvention.allCases {
        let rule = LearningRule.curl(flippedInputs: .count(2), flippedHidden: .count(1), convention: convention, selection: .random)
        let signs = try rule.signs(for: shape, seed: 3)
        let (rows, columns) = signs.factoredMask1(shape)
        let expanded = rows.flatMap { r in columns.map { r * $0 } }
        #expect(expanded == signs.mask1(shape))
        #expect(expanded.contains(-1) && expanded.contains(1))
    }
}

@Test("the linear full-batch flow's velocity equals the per-sample velocity to 1e-13", arguments: boundedCases.indices)
func linearFlowVelocityEqualsPerSampleVelocity(caseIndex: Int) throws {
    let (rule, normConstraint) = boundedCases[caseIndex]
    let problem = try linearProblem(rule, normConstraint: normConstraint)
    let linear = FullBatchFlow(problem), perSample = FullBatchFlow(problem, useLinearStructure: false)
    let stream = RandomStream(seed: 5)
    let points = [problem.start.flattened, problem.start.flattened.map { $0 + stream.gaussian(sigma: 0.3) }]
    for theta in points {
        let v = perSample.velocity(theta), g = perSample.pseudoGradient(theta)
        #expect(Vector.norm(v) > 1e-3)
        #expect(Vector.maxAbsDifference(linear.velocity(theta), v) <= 1e-13 * v.map(abs).max()!)
        #expect(Vector.maxAbsDifference(linear.pseudoGradient(theta), g) <= 1e-13 * g.map(abs).max()!)
        // The closure the ODE solver calls gives the same numbers as `velocity`.
        var out = [Double](repeating: 0, count: theta.count)
        let field = linear.makeVectorField()
        theta.withUnsafeBufferPointer { y in out.withUnsafeMutableBufferPointer { field(0, y, $0) } }
        #expect(out == linear.velocity(theta))
    }
}

@Test func linearFlowIntegratesLikeThePerSampleFlow() throws {
    let problem = try linearProblem(.curl(flippedInputs: .count(2), flippedHidden: .count(3)), normConstraint: true)
    var options = ContinuousTrainingOptions()
    options.endTime = 5
    options.observationCount = 10
    let linear = try FullBatchFlow(problem).trainingCurve(options: options)
    let perSample = try FullBatchFlow(problem, useLinearStructure: false).trainingCurve(options: options)
    let final = perSample.finalWeights.flattened
    #expect(Vector.norm(zip(final, problem.start.flattened).map { $0 - $1 }) > 0.1)
    #expect(Vector.maxAbsDifference(linear.finalWeights.flattened, final) <= 1e-9 * final.map(abs).max()!)
    for (a, b) in zip(linear.trainLoss, perSample.trainLoss) { #expect(abs(a - b) <= 1e-9 * b) }
}
