import Foundation
import NumericalKit
import Testing
import LearningDynamics

// Expected values come from the reference spec curl-descent.md: section 2.2 (the flow, the error dynamics
// du/dt = -sigma_x^2 u K) and section 3 (the Jacobian on the manifold, whose non-zero eigenvalues are
// -sigma_x^2 eig(K)). Finite differences and closed forms are the independent computations.

/// A small network with mixed flips and a random (off-manifold) student.
func mixedFlipSetup(seed: UInt64 = 7, inputs: Int = 5, hidden: Int = 8, flippedInputs: Int = 2, flippedHidden: Int = 3)
    throws -> (LinearFlow, StudentTeacherPair)
{
    let shape = try NetworkShape(inputs: inputs, hidden: hidden)
    let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.normal(scale: 1)), seed: seed)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(flippedInputs), flippedHidden: .count(flippedHidden)))
    return (flow, pair)
}

/// Central finite-difference gradient of a scalar function.
func finiteDifferenceGradient(_ f: ([Double]) -> Double, at x: [Double], step h: Double = 1e-5) -> [Double] {
    x.indices.map { i in
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

@Test(arguments: [(0, 0), (2, 3), (5, 8)])
func vectorFieldIsMinusSignMatrixTimesFiniteDifferenceGradient(flippedInputs: Int, flippedHidden: Int) throws {
    let (flow, pair) = try mixedFlipSetup(flippedInputs: flippedInputs, flippedHidden: flippedHidden)
    let theta = pair.student.flattened
    let gradient = finiteDifferenceGradient(flow.loss, at: theta)
    let signs = (0..<flow.shape.hidden).flatMap { _ in flow.signs.d1 } + flow.signs.d2  // S = diag(I_N (x) D1, D2)
    let expected = zip(signs, gradient).map { -$0 * $1 }
    let velocity = flow.velocity(theta)
    let scale = max(1, Vector.norm(expected))
    #expect(Vector.maxAbsDifference(velocity, expected) < 1e-8 * scale)
    #expect(Vector.maxAbsDifference(try flow.lossGradient(theta), gradient) < 1e-8 * scale)
}

@Test func analyticJacobianMatchesFiniteDifferencesOfTheVectorField() throws {
    let (flow, pair) = try mixedFlipSetup()
    let theta = pair.student.flattened
    let worst = Vector.maxAbsDifference(flow.jacobian(theta).elements,
                                        FiniteDifference.jacobian(of: flow.makeVectorField(), at: theta, step: 1e-6).elements)
    #expect(worst < 1e-7, "largest Jacobian entry error \(worst)")
    // The vector field is quadratic/cubic in theta, so central differences are exact up to O(h^2) * third derivatives.
}

@Test func gradientDescentJacobianIsSymmetricAndCurlJacobianIsNot() throws {
    let (curl, pair) = try mixedFlipSetup()
    let gd = try LinearFlow(teacher: pair.teacher, rule: .gradientDescent)
    let theta = pair.student.flattened
    #expect(gd.jacobian(theta).asymmetry < 1e-12)
    #expect(curl.jacobian(theta).asymmetry > 1e-2)
}

@Test func populationLossMatchesMonteCarloAverageOfSquaredError() throws {
    let (flow, pair) = try mixedFlipSetup()
    let u = flow.error(pair.student.flattened)
    let rng = RandomStream(seed: 99)
    let samples = 200_000
    let sigma = flow.inputVariance.squareRoot()
    var sum = 0.0, sumSquares = 0.0
    for _ in 0..<samples {
        let x = rng.gaussians(u.count, sigma: sigma)
        let e = 0.5 * pow(Vector.dot(u, x), 2)
        sum += e
        sumSquares += e * e
    }
    let mean = sum / Double(samples)
    let standardError = ((sumSquares / Double(samples) - mean * mean) / Double(samples)).squareRoot()
    #expect(abs(mean - flow.loss(pair.student.flattened)) < 5 * standardError)
}

@Test func errorDynamicsFollowTheStabilityMatrixAlongATrajectory() throws {
    let (flow, pair) = try mixedFlipSetup()
    var options = ODESolveOptions()
    options.output = .linear(count: 11)
    options.relativeTolerance = 1e-12
    options.absoluteTolerance = 1e-14
    // This curl flow blows up in finite time (near t = 3.1; D1 flips make the weights grow), so stay well before.
    let solution = try solve(flow.problem(from: pair.student, endTime: 1.5), .rk8pd, options: options)
    #expect(solution.status == .completed)
    let (m, n) = (flow.shape.inputs, flow.shape.hidden)
    for theta in solution.states {
        // du/dt by the chain rule from the vector field: dW2 W1 + W2 dW1.
        let w = TwoLayerWeights(shape: flow.shape, flattened: theta)
        let v = TwoLayerWeights(shape: flow.shape, flattened: flow.velocity(theta))
        let dudt = (0..<m).map { j in (0..<n).reduce(0.0) { $0 + v.w2[$1] * w.w1[$1, j] + w.w2[$1] * v.w1[$1, j] } }
        // Theory: du/dt = -sigma_x^2 u K.
        let u = flow.error(theta)
        let predicted = flow.stabilityMatrix(theta).transposed * u.map { -flow.inputVariance * $0 }
        #expect(Vector.maxAbsDifference(dudt, predicted) < 1e-12 * max(1, Vector.norm(predicted)))
    }
    // And along time: a central difference of the recorded u(t) matches -sigma_x^2 u K at the middle point.
    let dt = 1e-3
    options.output = .explicit([1 - dt, 1, 1 + dt])
    let fine = try solve(flow.problem(from: pair.student, endTime: 1 + dt), .rk8pd, options: options)
    let (u0, u1, u2) = (flow.error(fine.states[1]), flow.error(fine.states[2]), flow.error(fine.states[3]))
    let timeDerivative = zip(u2, u0).map { ($0 - $1) / (2 * dt) }
    let predicted = flow.stabilityMatrix(fine.states[2]).transposed * u1.map { -flow.inputVariance * $0 }
    #expect(Vector.maxAbsDifference(timeDerivative, predicted) < 1e-5 * max(1, Vector.norm(predicted)))
}

@Test func gradientDescentDecreasesTheLossMonotonically() throws {
    let shape = try NetworkShape(inputs: 10, hidden: 30)
    let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.uniform(scale: 1)), seed: 3)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .gradientDescent)
    var options = LearningSolveOptions()
    options.endTime = 200
    let curve = try flow.learningCurve(from: pair.student, options: options)
    #expect(curve.status == .completed)
    #expect(curve.finalLoss < 1e-12 * curve.loss[0])
    // Monotone down to the integration floor: weights carry errors ~ rtol * |w| ~ 1e-11, so |u| ~ 1e-11
    // and the loss ~ 1e-22 are round-off; only rises above 1e-20 would be real.
    for (a, b) in zip(curve.loss, curve.loss.dropFirst()) {
        #expect(b <= a || b < 1e-20, "loss rose from \(a) to \(b)")
    }
}

@Test func balancedScalarNetworkFollowsTheLogisticClosedForm() throws {
    // M = N = 1 with w1 = w2 = a: v = a^2 obeys v' = -2 s v (v - w*), so
    // v(t) = w* / (1 + (w*/v0 - 1) exp(-2 s w* t)) with s = sigma_x^2.
    let shape = try NetworkShape(inputs: 1, hidden: 1)
    let (a0, wStar) = (0.1, 2.0)
    let flow = try LinearFlow(shape: shape, target: [wStar], signs: SignMatrices(shape: shape, flippedInputs: 0, flippedHidden: 0))
    var options = ODESolveOptions()
    options.output = .linear(count: 41)
    options.relativeTolerance = 1e-12
    options.absoluteTolerance = 1e-14
    let solution = try solve(flow.problem(from: TwoLayerWeights(w1: Matrix([[a0]]), w2: [a0]), endTime: 8), options: options)
    let s = flow.inputVariance
    for (t, y) in zip(solution.times, solution.states) {
        let v = wStar / (1 + (wStar / (a0 * a0) - 1) * exp(-2 * s * wStar * t))
        #expect(abs(y[0] * y[1] - v) < 1e-10 * v)
        #expect(abs(y[0] - y[1]) < 1e-12)
    }
}

@Test func nonzeroJacobianEigenvaluesOnTheManifoldAreMinusSigmaSquaredTimesEigenvaluesOfK() throws {
    // curl-descent.md section 3: verified there on a 12 x 8 network with mixed D1, D2.
    let shape = try NetworkShape(inputs: 8, hidden: 12)
    let pair = try StudentTeacherPair(shape: shape, teacher: .normal(scale: 1), student: .nearTeacher(perturbation: 0), seed: 11)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(3), flippedHidden: .count(5)))
    let theta = pair.teacher.flattened
    let spectrum = try Eigen.eigenvalues(flow.jacobian(theta))
    let nonzero = spectrum.filter { $0.length > 1e-9 }
    #expect(nonzero.count == shape.inputs)
    #expect(nonzero.allSatisfy { abs($0.imaginary) < 1e-9 })
    let predicted = try Eigen.symmetricEigenvalues(flow.stabilityMatrix(theta)).map { -flow.inputVariance * $0 }.sorted()
    #expect(Vector.maxAbsDifference(nonzero.map(\.real).sorted(), predicted) < 1e-9)
}

@Test func startingOnTheTeacherGivesZeroError() throws {
    let shape = try NetworkShape(inputs: 6, hidden: 9)
    let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .nearTeacher(perturbation: 0), seed: 5)
    #expect(pair.student == pair.teacher)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .gradientDescent)
    #expect(flow.loss(pair.student.flattened) < 1e-30)
    #expect(Vector.norm(flow.velocity(pair.student.flattened)) < 1e-15)
}

@Test func finiteTimeBlowUpOfACurlFlowIsReportedNotRecorded() throws {
    // The mixed-flip network above leaves every bound near t = 3.1 (found while writing these tests).
    let (flow, pair) = try mixedFlipSetup()
    var options = LearningSolveOptions()
    options.endTime = 10
    let curve = try flow.learningCurve(from: pair.student, options: options)
    guard case .diverged(let time, _) = curve.status else {
        Issue.record("expected divergence, got \(curve.status.summary)")
        return
    }
    #expect(time > 2 && time < 4)
    #expect(curve.times.allSatisfy { $0 <= time })
    #expect(curve.loss.allSatisfy { $0.isFinite })
}

/// A random symmetric positive definite covariance A A^T / M + 0.1 I.
func randomCovariance(_ m: Int, seed: UInt64) -> Matrix {
    let a = Matrix(rows: m, columns: m, elements: RandomStream(seed: seed).gaussians(m * m))
    var sigma = a * a.transposed
    for i in 0..<m { for j in 0..<m { sigma[i, j] = sigma[i, j] / Double(m) + (i == j ? 0.1 : 0) } }
    return sigma
}

@Test func anisotropicInputsGiveTheGradientOfTheCovarianceWeightedLoss() throws {
    let (isotropic, pair) = try mixedFlipSetup()
    let sigma = randomCovariance(isotropic.shape.inputs, seed: 21)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(2), flippedHidden: .count(3)), inputCovariance: sigma)
    let theta = pair.student.flattened
    // L = 1/2 u Sigma u^T, checked against a direct evaluation and its finite-difference gradient.
    let u = flow.error(theta)
    #expect(abs(flow.loss(theta) - 0.5 * Vector.dot(u, sigma * u)) < 1e-14)
    let gradient = finiteDifferenceGradient(flow.loss, at: theta)
    let signs = (0..<flow.shape.hidden).flatMap { _ in flow.signs.d1 } + flow.signs.d2
    #expect(Vector.maxAbsDifference(flow.velocity(theta), zip(signs, gradient).map { -$0 * $1 }) < 1e-8)
    // Sigma = sigma_x^2 I reproduces the isotropic flow.
    let scaled = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(2), flippedHidden: .count(3)),
                                inputCovariance: .diagonal(Array(repeating: 0.5, count: flow.shape.inputs)))
    #expect(Vector.maxAbsDifference(scaled.velocity(theta), isotropic.velocity(theta)) < 1e-15)
}

@Test func anisotropicJacobianMatchesFiniteDifferencesAndErrorDynamicsUseSigmaK() throws {
    let (isotropic, pair) = try mixedFlipSetup()
    let sigma = randomCovariance(isotropic.shape.inputs, seed: 22)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(2), flippedHidden: .count(3)), inputCovariance: sigma)
    let theta = pair.student.flattened
    let worst = Vector.maxAbsDifference(flow.jacobian(theta).elements,
                                        FiniteDifference.jacobian(of: flow.makeVectorField(), at: theta, step: 1e-6).elements)
    #expect(worst < 1e-7)
    // du/dt = -u Sigma K (curl-descent.md 2.2 with the population covariance).
    let w = TwoLayerWeights(shape: flow.shape, flattened: theta)
    let v = TwoLayerWeights(shape: flow.shape, flattened: flow.velocity(theta))
    let (m, n) = (flow.shape.inputs, flow.shape.hidden)
    let dudt = (0..<m).map { j in (0..<n).reduce(0.0) { $0 + v.w2[$1] * w.w1[$1, j] + w.w2[$1] * v.w1[$1, j] } }
    let predicted = flow.stabilityMatrix(theta).transposed * (sigma * flow.error(theta)).map { -$0 }
    #expect(Vector.maxAbsDifference(dudt, predicted) < 1e-12)
}

@Test func nonPositiveDefiniteCovarianceIsRejected() throws {
    let (flow, pair) = try mixedFlipSetup()
    var bad = Matrix.identity(flow.shape.inputs)
    bad[0, 0] = -1
    #expect(throws: ParameterError.self) { try LinearFlow(teacher: pair.teacher, rule: .gradientDescent, inputCovariance: bad) }
    #expect(throws: ParameterError.self) { try LinearFlow(teacher: pair.teacher, rule: .gradientDescent, inputCovariance: .identity(2)) }
}

@Test func manifoldDistanceIsTheLengthOfTheSmallestStepBackToTheManifold() throws {
    // Move off the teacher along a random direction delta: to first order the distance is the length of
    // delta's component normal to the manifold, |P_normal delta| with P_normal = J^T (J J^T)^-1 J.
    let shape = try NetworkShape(inputs: 5, hidden: 7)
    let pair = try StudentTeacherPair(shape: shape, teacher: .normal(scale: 1), student: .nearTeacher(perturbation: 0), seed: 4)
    let flow = try LinearFlow(teacher: pair.teacher, rule: .gradientDescent)
    let theta = pair.teacher.flattened
    #expect(flow.manifoldDistance(theta) < 1e-14)
    let delta = RandomStream(seed: 8).gaussians(theta.count, sigma: 1e-7)
    // J (M x P) by finite differences of u, then the normal component by least squares.
    let h = 1e-6
    let jacobian = Matrix(rows: shape.inputs, columns: theta.count) { j, k in
        var plus = theta, minus = theta
        plus[k] += h
        minus[k] -= h
        return (flow.error(plus)[j] - flow.error(minus)[j]) / (2 * h)
    }
    let jd = jacobian * delta
    let normal = jacobian.transposed * (try (jacobian * jacobian.transposed).solvePositiveDefinite(jd))
    let moved = zip(theta, delta).map(+)
    #expect(abs(flow.manifoldDistance(moved) / Vector.norm(normal) - 1) < 1e-5)
    // Moving along the manifold (scaling W1 by a and W2 by 1/a keeps W2 W1) leaves the distance ~ 0.
    let a = 1.01
    let along = TwoLayerWeights(w1: Matrix(rows: 7, columns: 5, elements: pair.teacher.w1.elements.map { $0 * a }), w2: pair.teacher.w2.map { $0 / a })
    #expect(flow.manifoldDistance(along.flattened) < 1e-12)
}
