import Foundation
import NumericalKit
import Testing
import NodePerturbation

// Expected values: central finite differences of the loss (independent of backpropagation), and the
// student-teacher construction itself (loco.md section 1 notation, section 7.1 setting).

/// A student-teacher batch with a student different from the teacher (so gradients are not zero).
func studentTeacher(widths: [Int], activations: [Activation], batch: Int, withBiases: Bool = false,
                    seed: UInt64 = 3) throws -> StudentTeacherBatch {
    try StudentTeacherBatch(teacherWidths: widths, teacherActivations: activations, studentWidths: widths,
                            studentActivations: activations, batchSize: batch, teacherScale: 1.5, withBiases: withBiases, seed: seed)
}

@Test(arguments: [
    ([4, 6, 3], [Activation.tanh], false),
    ([4, 6, 3], [Activation.relu], true),
    ([5, 6, 4, 3], [Activation.tanh, .relu], false),
    ([5, 6, 4, 3], [Activation.linear, .tanh], true),
])
func backpropagationEqualsCentralFiniteDifferencesOfTheLoss(widths: [Int], activations: [Activation], withBiases: Bool) throws {
    let setup = try studentTeacher(widths: widths, activations: activations, batch: 7, withBiases: withBiases)
    let net = setup.student
    let bp = try net.backpropagate(inputs: setup.inputs, targets: setup.targets)
    #expect(abs(bp.loss - (try net.loss(inputs: setup.inputs, targets: setup.targets))) < 1e-15)
    let h = 1e-6
    var worst = 0.0, scale = 0.0
    for l in 0..<net.layerCount {
        for k in net.weights[l].elements.indices {
            var plus = net, minus = net
            plus.weights[l].elements[k] += h
            minus.weights[l].elements[k] -= h
            let fd = (try plus.loss(inputs: setup.inputs, targets: setup.targets) - (try minus.loss(inputs: setup.inputs, targets: setup.targets))) / (2 * h)
            worst = max(worst, abs(fd - bp.weightGradients[l].elements[k]))
            scale = max(scale, abs(fd))
        }
        if withBiases {
            for j in 0..<net.widths[l + 1] {
                var plus = net, minus = net
                plus.biases![l][j] += h
                minus.biases![l][j] -= h
                let fd = (try plus.loss(inputs: setup.inputs, targets: setup.targets) - (try minus.loss(inputs: setup.inputs, targets: setup.targets))) / (2 * h)
                worst = max(worst, abs(fd - bp.biasGradients![l][j]))
            }
        }
    }
    // Central differences err by O(h^2 L''') ~ 1e-12 plus round-off ~ 1e-16 / h ~ 1e-10 (relu kinks are not hit
    // with probability ~1 at h = 1e-6).
    #expect(scale > 1e-2)
    #expect(worst < 1e-8 * max(1, scale), "largest gradient error \(worst)")
}

@Test func perSampleGradientsAverageToTheBatchGradient() throws {
    let setup = try studentTeacher(widths: [5, 6, 4, 3], activations: [.tanh, .relu], batch: 5)
    let bp = try setup.student.backpropagate(inputs: setup.inputs, targets: setup.targets)
    for l in 0..<setup.student.layerCount {
        var sum = Matrix(rows: setup.student.widths[l + 1], columns: setup.student.widths[l])
        for b in 0..<5 {
            let g = bp.nodeGradients[l].row(b), x = bp.pass.activities[l].row(b)
            for i in g.indices { for j in x.indices { sum[i, j] += g[i] * x[j] / 5 } }
        }
        #expect(Vector.maxAbsDifference(sum.elements, bp.weightGradients[l].elements) < 1e-14)
    }
}

@Test func theTeacherHasZeroLossAndGradientOnItsOwnLabels() throws {
    let setup = try studentTeacher(widths: [4, 5, 2], activations: [.tanh], batch: 6, withBiases: true)
    #expect(try setup.student.loss(inputs: setup.inputs, targets: setup.targets) > 1e-3)
    let bp = try setup.teacher.backpropagate(inputs: setup.inputs, targets: setup.targets)
    #expect(bp.loss == 0)
    #expect(bp.weightGradients.allSatisfy { $0.elements.allSatisfy { $0 == 0 } })
}

@Test func randomInitialisationHasVarianceOneOverFanIn() throws {
    let net = try MLP.random(widths: [400, 300, 2], activations: [.relu], seed: 1)
    let w = net.weights[0].elements
    let variance = w.reduce(0) { $0 + $1 * $1 } / Double(w.count)
    // 120000 draws of N(0, 1/400): relative standard error of the variance sqrt(2/120000) = 0.4%.
    #expect(abs(variance * 400 - 1) < 0.02)
    #expect(try MLP.random(widths: [400, 300, 2], activations: [.relu], seed: 1) == net)
    #expect(try MLP.random(widths: [400, 300, 2], activations: [.relu], seed: 2) != net)
}

@Test func malformedNetworksAndBatchesAreRejected() throws {
    #expect(throws: ParameterError.self) { try MLP.random(widths: [3, 4, 2], activations: [], seed: 1) }
    #expect(throws: ParameterError.self) { try MLP.random(widths: [3], activations: [], seed: 1) }
    #expect(throws: ParameterError.self) { try MLP.random(widths: [3, 0, 2], activations: [.tanh], seed: 1) }
    #expect(throws: ParameterError.self) { try MLP(weights: [Matrix(rows: 2, columns: 3), Matrix(rows: 1, columns: 3)], activations: [.tanh]) }
    let net = try MLP.random(widths: [3, 4, 2], activations: [.tanh], seed: 1)
    #expect(throws: ParameterError.self) { try net.loss(inputs: Matrix(rows: 2, columns: 4), targets: Matrix(rows: 2, columns: 2)) }
    #expect(throws: ParameterError.self) { try net.loss(inputs: Matrix(rows: 2, columns: 3), targets: Matrix(rows: 3, columns: 2)) }
}
