import Foundation
import NumericalKit
import Testing
import LearningDynamics

@Test func sameSeedGivesTheSameTeacherAndStudent() throws {
    let shape = try NetworkShape(inputs: 7, hidden: 11)
    let a = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.normal(scale: 2)), seed: 42)
    let b = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.normal(scale: 2)), seed: 42)
    let c = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.normal(scale: 2)), seed: 43)
    #expect(a == b)
    #expect(a.teacher != c.teacher && a.student != c.student)
}

@Test func teacherDoesNotDependOnHowTheStudentStarts() throws {
    let shape = try NetworkShape(inputs: 7, hidden: 11)
    let random = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.uniform(scale: 1)), seed: 9)
    let near = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .nearTeacher(perturbation: 1e-3), seed: 9)
    #expect(random.teacher == near.teacher)
    let offset = Vector.maxAbsDifference(near.student.flattened, near.teacher.flattened)
    #expect(offset > 0 && offset < 1e-2)
}

@Test func uniformInitialisationRespectsTheReferenceScales() throws {
    // curl-descent.md section 1.3: W1 ~ U(-r/sqrt(M), r/sqrt(M)), W2 ~ U(-r/sqrt(N), r/sqrt(N)).
    let shape = try NetworkShape(inputs: 50, hidden: 200)
    let w = WeightInitialization.uniform(scale: 2).draw(shape, from: RandomStream(seed: 1))
    let (b1, b2) = (2 / 50.0.squareRoot(), 2 / 200.0.squareRoot())
    #expect(w.w1.elements.allSatisfy { abs($0) <= b1 })
    #expect(w.w2.allSatisfy { abs($0) <= b2 })
    // Mean square of U(-b, b) is b^2 / 3; 10000 entries give a few percent accuracy.
    let meanSquare = w.w1.elements.reduce(0) { $0 + $1 * $1 } / Double(w.w1.elements.count)
    #expect(abs(meanSquare / (b1 * b1 / 3) - 1) < 0.05)
}

@Test func flipFractionsRoundDownLikeTheReferenceButSurviveRoundOff() throws {
    #expect(try FlipCount.fraction(0.29).resolved(layerSize: 100, layerName: "x") == 29)  // 0.29 * 100 = 28.999...
    #expect(try FlipCount.fraction(0.5).resolved(layerSize: 199, layerName: "x") == 99)
    #expect(try FlipCount.fraction(1).resolved(layerSize: 7, layerName: "x") == 7)
    #expect(try FlipCount.count(3).resolved(layerSize: 3, layerName: "x") == 3)
}

@Test(arguments: [FlipCount.count(-1), .count(6), .fraction(-0.1), .fraction(1.5), .fraction(.nan)])
func outOfRangeFlipsAreRejected(flips: FlipCount) throws {
    #expect(throws: ParameterError.self) { try flips.resolved(layerSize: 5, layerName: "hidden neurons") }
}

@Test func signMatricesFlipTheFirstNeurons() throws {
    let shape = try NetworkShape(inputs: 4, hidden: 5)
    let s = try LearningRule.curl(flippedInputs: .count(1), flippedHidden: .fraction(0.4)).signs(for: shape)
    #expect(s.d1 == [-1, 1, 1, 1])
    #expect(s.d2 == [-1, -1, 1, 1, 1])
    #expect(try LearningRule.gradientDescent.signs(for: shape).isGradient)
}

@Test func invalidShapesAndOptionsAreRejected() throws {
    #expect(throws: ParameterError.self) { try NetworkShape(inputs: 0, hidden: 3) }
    #expect(throws: ParameterError.self) { try NetworkShape(inputs: 3, hidden: -1) }
    var options = LearningSolveOptions()
    options.stepper = "euler"
    #expect(throws: ParameterError.self) { try options.validate() }
    options = LearningSolveOptions()
    options.stepper = "msbdf"
    #expect(throws: ParameterError.self) { try options.validate(parameterCount: 5000) }
    try options.validate(parameterCount: 50)
    options = LearningSolveOptions()
    options.endTime = -1
    #expect(throws: ParameterError.self) { try options.validate() }
}

@Test func implicitSteppersUseTheAnalyticJacobianAndAgreeWithRk8pd() throws {
    let (flow, pair) = try mixedFlipSetup(inputs: 3, hidden: 4, flippedInputs: 0, flippedHidden: 1)
    var options = LearningSolveOptions()
    options.endTime = 20
    options.observationCount = 10
    let reference = try flow.learningCurve(from: pair.student, options: options)
    #expect(reference.status == .completed)
    for name in ["msbdf", "bsimp"] {
        options.stepper = name
        let curve = try flow.learningCurve(from: pair.student, options: options)
        #expect(curve.status == .completed)
        #expect(curve.statistics.jacobianEvaluations > 0)
        let gap = Vector.maxAbsDifference(curve.finalWeights.flattened, reference.finalWeights.flattened)
        #expect(gap < 1e-6, "\(name) ends \(gap) away from rk8pd")
    }
}

@Test func twoLayerWeightsAndTheCoreNetworkConvertBothWaysAndComputeTheSameOutputs() throws {
    let pair = try StudentTeacherPair(shape: try NetworkShape(inputs: 5, hidden: 3), teacher: .normal(scale: 1),
                                      student: .random(.normal(scale: 1)), seed: 4)
    let w = pair.student
    #expect(pair.setup.student == w.network && pair.setup.teacher == pair.teacher.network, "the pair is the core setup, seen as weights")
    let net = w.network(hidden: .tanh)
    #expect(w.network.weights == net.weights && w.network.activations == [.linear], "the view holds the weights of its network")
    #expect(net.widths == [5, 3, 1])
    #expect(try TwoLayerWeights(net) == w)
    // Output of the MLP against the two-layer formula W2 tanh(W1 x), written out.
    let x = Matrix(rows: 2, columns: 5, elements: [0.3, -1.2, 0.5, 2.0, -0.1, 1.1, 0.0, -0.4, 0.7, 0.9])
    let y = try net.outputs(x)
    for b in 0..<2 {
        var expected = 0.0
        for i in 0..<3 { expected += w.w2[i] * Foundation.tanh((0..<5).reduce(0.0) { $0 + w.w1[i, $1] * x[b, $1] }) }
        #expect(abs(y[b, 0] - expected) < 1e-14)
    }
    // Converting copies values: mutating the network leaves the weights it came from alone.
    var moved = net
    moved.weights[0][0, 0] += 1
    #expect(try TwoLayerWeights(moved) != w && TwoLayerWeights(net) == w)
    #expect(throws: ParameterError.self) { try TwoLayerWeights(MLP.random(widths: [5, 3, 2], activations: [.tanh], seed: 1, role: SeedStream.student)) }
}

@Test(arguments: FlipConvention.allCases)
func signedLayerUpdatesEqualTheFlowsMasksInBothConventions(convention: FlipConvention) throws {
    // The one sign type serves both papers: node perturbation signs a layer's update matrix with `apply`, the flows
    // multiply the flattened update by `mask`; the two must agree entry by entry.
    let shape = try NetworkShape(inputs: 4, hidden: 3)
    let rule = LearningRule.curl(flippedInputs: .count(convention == .column ? 2 : 1), flippedHidden: .count(1), convention: convention)
    let signs = try rule.signs(for: shape)
    let g1 = Matrix(rows: 3, columns: 4, elements: (0..<12).map { Double($0) + 1 })
    let g2 = Matrix(rows: 1, columns: 3, elements: [13, 14, 15])
    let signed = try signs.apply(to: [g1, g2]).map { $0! }
    let masked = zip(g1.elements + g2.elements, signs.mask(shape)).map { $0 * $1 }
    #expect(signed[0].elements + signed[1].elements == masked)
    #expect(signed[0].elements != g1.elements && signed[1].elements != g2.elements)
}
