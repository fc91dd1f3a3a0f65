import Foundation
import Testing
import LearningDynamics
import NumericalKit

/// The README's finite-data example (M = 6, N = 4, P = 30, one flipped input and hidden neuron, seed 1):
/// the problem of `rule` as `curldyn integrate` builds it.
private func readmeProblem(_ rule: LearningRule) throws -> TrainingProblem {
    let experiment = Experiment(shape: try NetworkShape(inputs: 6, hidden: 4), activation: .linear, teacherInit: .uniform(scale: 1),
                                studentStart: .random(.uniform(scale: 1)), trainCount: 30, normConstraint: false, rules: [rule],
                                integrator: .continuous(ContinuousTrainingOptions()))
    return try experiment.problems(seed: 1)[0]
}

@Test("runaway weights (feedback alignment with flips, README example) end the run as diverged within a bounded cost")
func runawayWeightsAreReportedAsDivergence() throws {
    let problem = try readmeProblem(.feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(1), scale: 1))
    let options = ContinuousTrainingOptions()
    let curve = try FullBatchFlow(problem).trainingCurve(options: options)
    guard case .diverged(let time, let reason) = curve.status else {
        Issue.record("expected .diverged, got \(curve.status.summary) after \(curve.statistics.steps) steps")
        return
    }
    #expect(reason.contains("norm"), "\(reason)")
    #expect(time < options.endTime)
    // Before the check, the run crawled on for millions of steps (3 million by t = 300) without a verdict.
    #expect(curve.statistics.steps < 500_000, "\(curve.statistics.steps) steps")
    // Nothing past the bound is returned: the recorded weights stay within 1000 x max(1, |theta_0|, sqrt(2 |w*|)),
    // |w*| estimated from the data as rms target / rms input component.
    let train = problem.data.train
    let teacherScale = (Vector.dot(train.targets, train.targets) / Double(train.count)).squareRoot()
        / (Vector.dot(train.inputs.elements, train.inputs.elements) / Double(train.inputs.elements.count)).squareRoot()
    let bound = options.weightGrowthBound! * max(1, Vector.norm(problem.start.flattened), (2 * teacherScale).squareRoot())
    #expect(Vector.norm(curve.finalWeights.flattened) <= bound)
    #expect(curve.trainLoss.allSatisfy { $0.isFinite })
    let norms = zip(curve.w1Norm, curve.w2Norm).map { ($0 * $0 + $1 * $1).squareRoot() }
    #expect(norms.allSatisfy { $0 <= bound })
    // The runaway is real, not an artefact of the bound: the loss grew far above its start before the end.
    #expect(curve.trainLoss.last! > 10 * curve.trainLoss.first!)
}

@Test("a converging run with the growth check in place completes (gradient descent on the README example)")
func convergingRunIsNotFlagged() throws {
    let curve = try FullBatchFlow(try readmeProblem(.gradientDescent)).trainingCurve(options: ContinuousTrainingOptions())
    #expect(curve.status == .completed, "\(curve.status.summary)")
    #expect(curve.finalTrainLoss < curve.trainLoss.first!)
}

@Test("tolerances double precision cannot meet, and bad budgets or growth bounds, are refused")
func unreachableTolerancesAreRefused() throws {
    var options = LearningSolveOptions()
    for rtol in [1e-300, 1e-16, 2e-14] {
        options.relativeTolerance = rtol
        #expect(throws: ParameterError.self, "rtol \(rtol)") { try options.validate() }
    }
    options.relativeTolerance = ODESolveOptions.smallestRelativeTolerance
    try options.validate()
    options.relativeTolerance = 1e-10
    options.absoluteTolerance = 1e-300  // relative control covers it
    try options.validate()
    for g in [0.5, 1, .infinity, .nan] {
        var o = LearningSolveOptions()
        o.weightGrowthBound = g
        #expect(throws: ParameterError.self, "growth bound \(g)") { try o.validate() }
    }
    var o = LearningSolveOptions()
    o.maxFunctionEvaluations = 0
    #expect(throws: ParameterError.self) { try o.validate() }
}

@Test("weights that grow to a large teacher's scale (far beyond 1000 x the start) are not flagged as a blow-up")
func growthToALargeTeacherIsNotFlagged() throws {
    // Teacher weights 3000 times the default in both layers: |w*| ~ 1e6 or more, so any solution has
    // |theta| >= sqrt(2 |w*|), beyond 1000 |theta_0|.
    let shape = try NetworkShape(inputs: 6, hidden: 4)
    let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 3e3), student: .random(.uniform(scale: 1)), seed: 1)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .gradientDescent)
    var options = LearningSolveOptions()
    options.endTime = 2e-3
    options.firstObservation = 1e-7
    options.observationCount = 20
    let curve = try flow.learningCurve(from: pair.student, options: options)
    #expect(curve.status == .completed, "\(curve.status.summary)")
    #expect(curve.finalLoss < 1e-6 * curve.loss.first!)
    let growth = Vector.norm(curve.finalWeights.flattened) / max(1, Vector.norm(pair.student.flattened))
    #expect(growth > options.weightGrowthBound!, "the weights grew by \(growth) only: the test does not probe the bound")
}
