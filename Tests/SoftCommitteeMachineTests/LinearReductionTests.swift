import Foundation
import LearningDynamics
import NumericalKit
import Testing
import SoftCommitteeMachine

// With g(z) = z the committee machine is the linear network x -> v^T W x / sqrt N, and its population loss
// E[(phi - y)^2] / 2 = |W1^T v - w*|^2 / 2 with W1 = W / sqrt N, w* = W*^T v* / sqrt N is LinearFlow's loss at
// sigma_x^2 = 1 (M = N inputs, N = K hidden). The gradient flow of the order parameters at eta = eta_v = 1 (time
// alpha) must then follow the overlaps of LinearFlow's weight trajectory (time t = alpha), D1 and D2 included.
// For Gaussian inputs the averages are exact at any N, so the match is to integration accuracy.

@Test("linear g: the order-parameter gradient flow reproduces the overlaps of the linear population flow (GD and curl)",
      arguments: [(0.0, 0), (0.2, 1), (0.4, 2)])
func linearActivationReproducesLinearFlow(alphaH: Double, flippedReadouts: Int) throws {
    let n = 30
    let nets = try SCMNetworks.random(inputs: n, students: 3, teachers: 2, studentScale: 0.6, studentReadout: .gaussian(sigma: 0.6),
                                      inputFlipFraction: alphaH, seed: 5)
    let rule = SCMRule.curl(inputFlipFraction: nets.inputFlipFraction, flippedReadouts: flippedReadouts, students: 3)
    let flow = try SCMFlow(students: 3, teacher: try nets.teacherOverlaps(), rule: rule,
                           rates: SCMLearningRates(firstLayer: 1, online: false), activation: .linear)
    let root = Double(n).squareRoot()
    let w1 = Matrix(rows: 3, columns: n) { nets.student[$0, $1] / root }
    let target = (0..<n).map { i in (0..<2).reduce(0) { $0 + nets.teacher[$1, i] * nets.teacherReadout[$1] } / root }
    let signs = SignMatrices(d1: nets.d1, d2: (0..<3).map(rule.readoutSign))
    let linear = try LinearFlow(shape: try NetworkShape(inputs: n, hidden: 3), target: target, signs: signs, inputVariance: 1)
    // The curl runs blow up in finite time (near t = 1.21 and 0.76); compare before, then compare the blow-ups.
    let times = [0.2, 0.4, 0.7]
    var options = SCMFlow.defaultSolveOptions
    options.output = .explicit(times)
    let curve = try flow.learningCurve(from: nets.startState(), endTime: 0.7, options: options)
    let start = TwoLayerWeights(w1: w1, w2: nets.studentReadout)
    let weights = try solve(linear.problem(from: start, endTime: 0.7), options: options)
    #expect(curve.status == .completed && weights.status == .completed, "\(curve.status.summary), \(weights.status.summary)")
    var worst = 0.0, moved = 0.0
    for (i, theta) in weights.states.enumerated() {
        let w = TwoLayerWeights(shape: linear.shape, flattened: theta)
        let measured = SCMState.measure(student: Matrix(rows: 3, columns: n) { w.w1[$0, $1] * root }, readout: w.w2,
                                        teacher: nets.teacher, d1: nets.d1)
        let s = curve.states[i]
        for (a, b) in [(s.q, measured.q), (s.qTilde, measured.qTilde), (s.r, measured.r), (s.rTilde, measured.rTilde)] {
            worst = max(worst, Vector.maxAbsDifference(a.elements, b.elements))
        }
        worst = max(worst, Vector.maxAbsDifference(s.v, measured.v))
        // eps_g of the committee machine equals the linear population loss.
        worst = max(worst, abs(curve.generalisationError[i] - linear.loss(theta)))
        moved = max(moved, Vector.maxAbsDifference(s.q.elements, curve.states[0].q.elements))
    }
    #expect(worst < 1e-8, "largest overlap difference \(worst)")
    #expect(moved > 0.05, "the weights must move for the comparison to mean anything (moved \(moved))")
    // Both descriptions blow up (or not) at the same time.
    let longCurve = try flow.learningCurve(from: nets.startState(), endTime: 3)
    let longWeights = try solve(linear.problem(from: start, endTime: 3))
    switch (longCurve.status, longWeights.status) {
    case (.completed, .completed): #expect(rule.isGradientDescent)
    case (.diverged(let a, _), .diverged(let b, _)): #expect(abs(a - b) < 1e-6 * a, "blow-up at \(a) and \(b)")
    default: Issue.record("\(longCurve.status.summary) against \(longWeights.status.summary)")
    }
}
