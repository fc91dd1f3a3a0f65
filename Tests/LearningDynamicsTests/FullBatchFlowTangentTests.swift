import ComplexModule
import Foundation
import NumericalKit
import Testing
import LearningDynamics

// The full-batch flow's Jacobian-vector product (forward mode, no Jacobian built) against central finite
// differences of the vector field and against the analytic Jacobian times the vector; the norm constraint's
// conserved quantities; and the Lyapunov exponents at a fixed point against the Jacobian's eigenvalues.

struct TangentCase: CustomStringConvertible, Sendable {
    var hidden: Activation
    var output: Activation
    var rule: LearningRule
    var normConstraint: Bool

    var description: String { "\(hidden.rawValue)/\(output.rawValue) \(rule.name)\(normConstraint ? ", norm constraint" : "")" }
}

private let curl = LearningRule.curl(flippedInputs: .count(2), flippedHidden: .count(2))
private let tangentCases: [TangentCase] = [
    TangentCase(hidden: .linear, output: .linear, rule: .gradientDescent, normConstraint: false),
    TangentCase(hidden: .linear, output: .linear, rule: curl, normConstraint: true),
    TangentCase(hidden: .linear, output: .linear, rule: .feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(3)), normConstraint: true),
    TangentCase(hidden: .linear, output: .tanh, rule: curl, normConstraint: false),
    TangentCase(hidden: .tanh, output: .tanh, rule: curl, normConstraint: true),
    TangentCase(hidden: .tanh, output: .linear, rule: .feedbackAlignment(flippedInputs: .count(1), flippedHidden: .count(1)), normConstraint: false),
    TangentCase(hidden: .erf, output: .erf, rule: .curl(flippedInputs: .count(2), flippedHidden: .count(1), convention: .row), normConstraint: true),
    TangentCase(hidden: .relu, output: .linear, rule: .gradientDescent, normConstraint: true),
]

/// M = 4, N = 5, P = 12, an off-manifold random student (so the errors and the e phi'' terms are not small).
private func tangentProblem(_ c: TangentCase, start: StudentStart = .random(.normal(scale: 1.5)), seed: UInt64 = 17) throws -> TrainingProblem {
    let shape = try NetworkShape(inputs: 4, hidden: 5)
    let activation = NetworkActivation(hidden: c.hidden, output: c.output)
    let pair = try StudentTeacherPair(shape: shape, teacher: .normal(scale: 1.5), student: start, seed: seed)
    let data = try TaskData(teacher: pair.teacher, activation: activation, trainCount: 12, testCount: 5, seed: seed)
    return try TrainingProblem(start: pair.student, activation: activation, rule: c.rule, data: data, normConstraint: c.normConstraint, seed: seed)
}

private func relativeDifference(_ a: [Double], _ b: [Double]) -> Double {
    Vector.maxAbsDifference(a, b) / max(1e-300, b.map(abs).max() ?? 0)
}

@Test("J u by forward mode equals central finite differences of the vector field along u, and the analytic Jacobian times u", arguments: tangentCases)
func jacobianVectorProductMatchesFiniteDifferences(_ c: TangentCase) throws {
    let problem = try tangentProblem(c)
    let flow = FullBatchFlow(problem)
    let theta = problem.start.flattened
    let stream = RandomStream(seed: 4)
    let tangents = (0..<3).map { _ in stream.gaussians(flow.dimension) }
    let products = flow.jacobianVectorProducts(theta, tangents)
    let finiteDifferences = FiniteDifference.jacobian(of: flow.makeVectorField(), at: theta, step: 1e-5)
    let analytic = flow.jacobian(theta)
    for (u, ju) in zip(tangents, products) {
        // ReLU's kinks are a measure-zero set: the random point is away from them.
        #expect(relativeDifference(ju, finiteDifferences * u) < 1e-7, "\(c): finite differences")
        #expect(relativeDifference(ju, analytic * u) < 1e-11, "\(c): analytic Jacobian")
    }
}

@Test("the variational field's field is the flow's velocity", arguments: tangentCases)
func variationalFieldCarriesTheVelocity(_ c: TangentCase) throws {
    let problem = try tangentProblem(c)
    let flow = FullBatchFlow(problem)
    let theta = problem.start.flattened
    let field = flow.makeVariationalField(maxTangents: 1)
    let u = RandomStream(seed: 9).gaussians(flow.dimension)
    var f = [Double](repeating: 0, count: flow.dimension), ju = f
    theta.withUnsafeBufferPointer { t in u.withUnsafeBufferPointer { v in f.withUnsafeMutableBufferPointer { fb in ju.withUnsafeMutableBufferPointer { field(0, t, fb, v, 1, $0) } } } }
    #expect(relativeDifference(f, flow.velocity(theta)) < 1e-12, "\(c)")
    #expect(relativeDifference(ju, flow.jacobianVectorProducts(theta, [u])[0]) == 0)
}

@Test("under the norm constraint the linearised flow conserves w . u per block: G . u + w . (J u) = 0", arguments: tangentCases.filter(\.normConstraint))
func linearisedFlowConservesTheNormConstraint(_ c: TangentCase) throws {
    let problem = try tangentProblem(c)
    let flow = FullBatchFlow(problem)
    let theta = problem.start.flattened
    let u = RandomStream(seed: 11).gaussians(flow.dimension)
    let ju = flow.jacobianVectorProducts(theta, [u])[0]
    let g = flow.velocity(theta)
    let nm = problem.shape.inputs * problem.shape.hidden
    for block in [0..<nm, nm..<flow.dimension] {
        let rate = block.reduce(0) { $0 + g[$1] * u[$1] + theta[$1] * ju[$1] }
        let scale = block.reduce(0) { $0 + abs(g[$1] * u[$1]) + abs(theta[$1] * ju[$1]) }
        #expect(abs(rate) < 1e-12 * scale, "\(c): d/dt (w . u) = \(rate)")
    }
}

@Test("at a fixed point (the teacher) the leading exponents are the largest real parts of the Jacobian's eigenvalues, with and without the norm constraint",
      arguments: [(Activation.linear, false), (.linear, true), (.tanh, true)])
func exponentsAtTheTeacherAreJacobianEigenvalues(_ hidden: Activation, _ normConstraint: Bool) throws {
    // Every input flipped on a compressive network: the teacher is an unstable fixed point, so the leading
    // exponent is positive; the state leaves it only from round-off, e^(lambda t) 1e-16, after the measurement.
    let c = TangentCase(hidden: hidden, output: hidden, rule: .curl(flippedInputs: .count(4), flippedHidden: .count(0)), normConstraint: normConstraint)
    let problem = try tangentProblem(c, start: .nearTeacher(perturbation: 0))
    let flow = FullBatchFlow(problem)
    let theta = problem.start.flattened
    let spectrum = try Eigen.eigenvalues(flow.jacobian(theta)).map(\.real).sorted(by: >)
    try #require(spectrum[0] > 0.05, "the teacher should be unstable: \(spectrum.prefix(3))")
    var options = LyapunovOptions(measurementTime: 10)
    options.transientTime = 20
    options.segmentCount = 4
    options.renormalizationInterval = 0.5
    let lyapunov = try solve(flow.lyapunovProblem(exponentCount: 1), options: options)
    #expect(lyapunov.status == .completed)
    #expect(abs(lyapunov.exponents[0] - spectrum[0]) < 0.02 * max(1, spectrum[0]), "\(c): \(lyapunov.exponents) against \(spectrum.prefix(3))")
}
