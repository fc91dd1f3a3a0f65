import Foundation
import NumericalKit
import Testing
import NodePerturbation

// Rule-flip sign matrices (curl-descent.md 1.2, column convention) applied to NP and backprop updates, and the
// rank of minibatch updates. Expected values are the exact backprop gradient G and G D, built column by column.

@Suite struct RuleSignsTests {
    @Test func identitySignsChangeNothing() throws {
        let setup = try studentTeacher(widths: [5, 6, 4, 3], activations: [.tanh, .tanh], batch: 4, seed: 21)
        let net = setup.student
        let signs = SignMatrices.identity(for: net)
        #expect(signs.layers.map(\.count) == [5, 6, 4])
        #expect(signs == (try SignMatrices.flippingFirst([0, 0, 0], of: net)))
        let bp = try net.backpropagate(inputs: setup.inputs, targets: setup.targets)
        let np = try NodePerturbationEstimator(sigma: 1e-3).estimate(network: net, inputs: setup.inputs, targets: setup.targets, seed: 1, draw: 0)
        let signedBP = try signs.apply(to: bp.weightGradients.map { Optional($0) })
        let signedNP = try signs.apply(to: np.weightGradients)
        for l in 0..<net.layerCount {
            #expect(signedBP[l]! == bp.weightGradients[l])
            #expect(signedNP[l]! == np.weightGradients[l]!)
        }
    }

    @Test func signConstructionAndValidation() throws {
        #expect(try SignMatrices.flippingFirst(2, of: 5) == [-1, -1, 1, 1, 1])
        #expect(try SignMatrices.flippingFirst(0, of: 3) == [1, 1, 1])
        #expect(throws: ParameterError.self) { try SignMatrices.flippingFirst(4, of: 3) }
        #expect(throws: ParameterError.self) { try SignMatrices(layers: [[1, 0.5]]) }
        let net = try MLP.random(widths: [3, 4, 1], activations: [.linear], seed: 2)
        #expect(throws: ParameterError.self) { try SignMatrices.flippingFirst([1], of: net) }
        let signs = try SignMatrices.flippingFirst([1, 2], of: net)
        #expect(throws: ParameterError.self) { try signs.apply(to: Matrix(rows: 4, columns: 4), layer: 0) }
    }

    @Test(arguments: [0, 3, 5])
    func flippingColumnJNegatesExactlyColumnJ(column j: Int) throws {
        let setup = try studentTeacher(widths: [6, 7, 3], activations: [.tanh], batch: 5, seed: 22)
        let net = setup.student
        let bp = try net.backpropagate(inputs: setup.inputs, targets: setup.targets)
        let np = try NodePerturbationEstimator(sigma: 1e-3).estimate(network: net, inputs: setup.inputs, targets: setup.targets, seed: 2, draw: 0)
        var d = [Double](repeating: 1, count: 6)
        d[j] = -1
        for g in [bp.weightGradients[0], np.weightGradients[0]!] {
            let signed = SignMatrices.apply(d, to: g)
            for r in 0..<g.rows {
                for c in 0..<g.columns { #expect(signed[r, c] == (c == j ? -g[r, c] : g[r, c])) }
            }
        }
    }

    @Test func signedNodePerturbationIsUnbiasedForSignedGradient() throws {
        // B = 6 >= every fan-in, so the draws' covariance is invertible (as in EstimatorTests).
        let setup = try fullRankSetup()
        let net = setup.student
        let bp = try net.backpropagate(inputs: setup.inputs, targets: setup.targets)
        let signs = try SignMatrices.flippingFirst([2, 3, 1], of: net)
        let np = try NodePerturbationEstimator(sigma: 1e-3, layers: .all)
        let stats = try np.sample(network: net, inputs: setup.inputs, targets: setup.targets, draws: 4000, seed: 31, threads: 2, keepDraws: true)
        for l in 0..<net.layerCount {
            let s = try #require(stats[l])
            let (rows, cols) = (net.widths[l + 1], net.widths[l])
            let signedDraws = try s.storedDraws!.map { try signs.apply(to: Matrix(rows: rows, columns: cols, elements: $0), layer: l).elements }
            let signedStats = try DrawStatistics(signedDraws, keepDraws: true)
            let expected = try signs.apply(to: bp.weightGradients[l], layer: l)
            try expectUnbiased(signedStats, expected.elements, "signed NP layer \(l)")
            // The signed gradient differs from the plain one, so the check has power against ignoring D.
            if signs.layers[l].contains(-1) {
                let (t2, d) = try signedStats.hotelling(against: bp.weightGradients[l].elements)
                #expect(t2 > chiSquareBound(d), "layer \(l): signed NP mean should not match the unsigned gradient (T^2 = \(t2))")
            }
        }
    }

    @Test(arguments: [1, 3, 5])
    func minibatchUpdateRankIsTheBatchSizeWhenSmall(batch: Int) throws {
        // Layer 0 is 10 x 20: rank(G-hat_0) = rank((1/B) g^T X) <= min(B, 10, 20) = B, and = B generically.
        let setup = try studentTeacher(widths: [20, 10, 3], activations: [.tanh], batch: batch, seed: 23)
        let net = setup.student
        let np = try NodePerturbationEstimator(sigma: 1e-3, layers: .all).estimate(network: net, inputs: setup.inputs, targets: setup.targets, seed: 4, draw: 0)
        let bp = try net.backpropagate(inputs: setup.inputs, targets: setup.targets)
        let signs = try SignMatrices.flippingFirst([7, 4], of: net)
        for l in 0..<net.layerCount {
            let bound = min(batch, net.widths[l + 1], net.widths[l])
            let npRank = try updateRank(np.weightGradients[l]!)
            #expect(npRank == bound, "layer \(l): NP rank \(npRank), expected \(bound)")
            #expect(try updateRank(signs.apply(to: np.weightGradients[l]!, layer: l)) == npRank, "sign flips keep the rank")
            #expect(try updateRank(bp.weightGradients[l]) <= bound)
        }
        #expect(try updateRank(bp.weightGradients[0]) == batch)
    }

    @Test func largeBatchRankIsCappedByTheLayerShape() throws {
        let setup = try studentTeacher(widths: [20, 10, 3], activations: [.tanh], batch: 30, seed: 24)
        let np = try NodePerturbationEstimator(sigma: 1e-3).estimate(network: setup.student, inputs: setup.inputs, targets: setup.targets, seed: 5, draw: 0)
        #expect(try updateRank(np.weightGradients[0]!) == 10)
        #expect(try updateRank(np.weightGradients[1]!) == 3)
        #expect(try updateRank(Matrix(rows: 4, columns: 5)) == 0)
    }

    @Test(arguments: [(8, 12), (12, 5)])
    func linearNetworkStabilityMatrixHasRankAtMostM(m: Int, n: Int) throws {
        let net = try MLP.random(widths: [m, n, 1], activations: [.linear], seed: 25)
        let signs = try SignMatrices.flippingFirst([m / 3, n / 2], of: net)
        let k = try StabilityMatrix.build(network: net, signs: signs)
        #expect(k.rows == m && k.columns == m)
        let rank = try updateRank(k)
        #expect(rank <= m)
        for i in 0..<m { for j in 0..<m { #expect(abs(k[i, j] - k[j, i]) < 1e-14) } }
        // Independent check: |w2|^2 D1 + W1^T D2 W1 by dense products.
        let w1 = net.weights[0]
        let w2 = net.weights[1].elements
        let d1 = Matrix(rows: m, columns: m) { i, j in i == j ? signs.layers[0][i] : 0 }
        let d2 = Matrix(rows: n, columns: n) { i, j in i == j ? signs.layers[1][i] : 0 }
        let inner = w1.transposed * (d2 * w1)
        let w2Squared = Vector.dot(w2, w2)
        for i in 0..<m { for j in 0..<m { #expect(abs(k[i, j] - (w2Squared * d1[i, j] + inner[i, j])) < 1e-12) } }
        // W1^T D2 W1 alone has rank <= min(M, N); with D = I, K is positive definite (full rank M).
        #expect(try updateRank(inner) <= min(m, n))
        let plain = try StabilityMatrix.build(network: net, signs: SignMatrices.identity(for: net))
        #expect(try updateRank(plain) == m)
    }
}
