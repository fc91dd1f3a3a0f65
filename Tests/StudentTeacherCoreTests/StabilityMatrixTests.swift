import NumericalKit
import StudentTeacherCore
import Testing

// Expected values: the explicit entry-by-entry sum K_ij = |w2|^2 d1_i delta_ij + sum_k W1_ki d2_k W1_kj, the O(M^2 N)
// loop node perturbation used before K was built once (its results must not move beyond 1e-12). The flows' test of
// -sigma_x^2 eig(K) against the finite-difference Jacobian (LearningDynamicsTests) checks the same K through LinearFlow.

/// The loop node perturbation's `curlStabilityMatrix` ran, kept as the independent computation.
private func explicitK(w1: Matrix, w2: [Double], d1: [Double], d2: [Double]) -> Matrix {
    let w2Squared = w2.reduce(0) { $0 + $1 * $1 }
    return Matrix(rows: w1.columns, columns: w1.columns) { i, j in
        var s = i == j ? w2Squared * d1[i] : 0
        for k in 0..<w1.rows { s += w1[k, i] * d2[k] * w1[k, j] }
        return s
    }
}

@Test(arguments: [(8, 12, 3, 5), (12, 5, 0, 0), (30, 40, 29, 1), (7, 1, 2, 1)])
func stabilityMatrixEqualsTheExplicitSumAndIsExactlySymmetric(m: Int, n: Int, flippedInputs: Int, flippedHidden: Int) throws {
    let net = try MLP.random(widths: [m, n, 1], activations: [.linear], scale: 1.3, seed: 25, role: StreamRegistry.tests.role(id: 1 << 19, name: "core test network"))
    let signs = try SignMatrices.flippingFirst([flippedInputs, flippedHidden], of: net)
    let k = try StabilityMatrix.build(network: net, signs: signs)
    let expected = explicitK(w1: net.weights[0], w2: net.weights[1].elements, d1: signs.d1, d2: signs.d2)
    let scale = expected.elements.map(abs).max()!
    #expect(Vector.maxAbsDifference(k.elements, expected.elements) <= 1e-12 * max(1, scale))
    for i in 0..<m { for j in 0..<i { #expect(k[i, j] == k[j, i]) } }
}

@Test func flippingFirstRowsIsTheProductWithThoseRowsFlipped() throws {
    let stream = RandomStream(seed: 3, task: 0)
    let w1 = Matrix(rows: 9, columns: 6, elements: stream.gaussians(54))
    let gram = StabilityMatrix.product(w1: w1)
    #expect(StabilityMatrix.flippingFirstRows(0, of: w1, in: gram) == gram)
    for k in [1, 4, 9] {
        let downdated = StabilityMatrix.flippingFirstRows(k, of: w1, in: gram)
        let direct = StabilityMatrix.product(w1: w1, rowSigns: try SignMatrices.flippingFirst(k, of: 9))
        #expect(Vector.maxAbsDifference(downdated.elements, direct.elements) < 1e-13)
    }
}

@Test func theStabilityMatrixRefusesNetworksAndSignsItIsNotDefinedFor() throws {
    let role = StreamRegistry.tests.role(id: 1 << 19, name: "core test network")
    let tanh = try MLP.random(widths: [4, 3, 1], activations: [.tanh], seed: 1, role: role)
    #expect(throws: ParameterError.self) { try StabilityMatrix.build(network: tanh, signs: .identity(for: tanh)) }
    let deep = try MLP.random(widths: [4, 3, 2, 1], activations: [.linear, .linear], seed: 1, role: role)
    #expect(throws: ParameterError.self) { try StabilityMatrix.build(network: deep, signs: .identity(for: deep)) }
    let net = try MLP.random(widths: [4, 3, 1], activations: [.linear], seed: 1, role: role)
    #expect(throws: ParameterError.self) { try StabilityMatrix.build(network: net, signs: SignMatrices(d1: [1, 1, 1], d2: [1, 1, 1, 1])) }
}
