import Foundation
import NumericalKit
import Testing
import NodePerturbation

// NP and exact gradients with rule-flipped neurons on the linear M -> N -> 1 net, started next to the solution
// manifold (curl-descent.md 2.2): near the manifold E[u_{t+1}] = E[u_t] (I - eta K), so |u| changes by 1 - eta
// lambda_min(K) per step once the bottom mode dominates. With M = 20, N = 30 and seed 1, K has lambda_min = 0.61
// without flips and -1.60 with the first 15 hidden neurons flipped.

@Suite struct FlippedNPLearningTests {
    /// M = 20 -> N = 30 -> 1, eta = 0.01, seed 1; `flippedHidden` hidden neurons flipped.
    func problem(flippedHidden: Int, flippedInputs: Int = 0, steps: Int = 300, batch: Int = 100, displacement: Double = 1e-5,
                 direction: ManifoldDisplacement = .bottomEigenvector, sigma: Double = 1e-5) -> FlippedNPProblem {
        var p = FlippedNPProblem()
        p.flippedHidden = flippedHidden
        p.flippedInputs = flippedInputs
        p.steps = steps
        p.logEvery = 10
        p.batchSize = batch
        p.displacement = displacement
        p.direction = direction
        p.sigma = sigma
        p.seed = 1
        return p
    }

    /// log(measured factor) / log(1 - eta lambda_min).
    func rateRatio(_ result: FlippedNPResult, _ method: FlippedNPMethod) throws -> Double {
        Foundation.log(try #require(result.measuredGrowthFactor(method))) / Foundation.log(result.predictedGrowthFactor)
    }

    @Test(arguments: [15, 0])
    func exactGradientErrorFollowsOneMinusEtaLambdaMinPerStep(flippedHidden: Int) throws {
        // B = 100 keeps the finite-batch (Wishart) correction eta^2 tr(K^2) / (2B) per step below 1% of the rate;
        // u_0 on K's bottom eigenvector and |u| <= 0.1 |w*| keep the linear theory exact to first order.
        let result = try problem(flippedHidden: flippedHidden).solve(methods: [.gradient])
        // Half the inputs' rules flipped puts this draw well inside the unstable regime, none keeps K positive definite.
        #expect(flippedHidden > 0 ? result.start.lambdaMin < -0.5 : result.start.lambdaMin > 0.3, "lambda_min \(result.start.lambdaMin)")
        let ratio = try rateRatio(result, .gradient)
        #expect(abs(ratio - 1) < 0.02, "log-rate ratio measured / predicted \(ratio)")
        // The curve itself, not just its slope: |u_t| / |u_0| against (1 - eta lambda_min)^t within 5% up to t = 200.
        let curve = try #require(result.meanCurve(.gradient))
        for (t, e) in zip(curve.steps, curve.errorNorms) where t <= 200 {
            let predicted = curve.errorNorms[0] * Foundation.pow(result.predictedGrowthFactor, Double(t))
            #expect(abs(e / predicted - 1) < 0.05, "step \(t): |u| \(e), predicted \(predicted)")
        }
        if flippedHidden > 0 { #expect(curve.errorNorms[20] > 10 * curve.errorNorms[0]) } else { #expect(curve.errorNorms[20] < curve.errorNorms[0] / 2) }
    }

    @Test func randomDisplacementMatchesTheLinearTheoryIncludingItsTransient() throws {
        // A random displacement starts on every mode of K: the fit over the window is below 1 - eta lambda_min, and the
        // linear theory |u_0 (I - eta K)^t| accounts for it.
        let result = try problem(flippedHidden: 15, direction: .random).solve(methods: [.gradient])
        let measured = Foundation.log(try #require(result.measuredGrowthFactor(.gradient)))
        let theory = Foundation.log(try #require(result.theoryGrowthFactor(.gradient)))
        #expect(abs(measured / theory - 1) < 0.03, "measured \(measured), linear theory \(theory)")
        #expect(theory < Foundation.log(result.predictedGrowthFactor))
    }

    @Test func nodePerturbationGrowsWhenLambdaMinIsNegativeAndShrinksToANoiseFloorOtherwise() throws {
        // B = 10, sigma = 1e-4, four replicates (own batches and noise, same network), geometric mean of |u|.
        let unstable = try problem(flippedHidden: 15, steps: 400, batch: 10, displacement: 1e-4, sigma: 1e-4)
            .solve(replicates: 4, threads: 4)
        let grow = try #require(unstable.meanCurve(.nodePerturbation))
        #expect(unstable.start.lambdaMin < 0)
        #expect(grow.errorNorms[30] > 20 * grow.errorNorms[0], "NP error \(grow.errorNorms[0]) -> \(grow.errorNorms[30])")
        let ratio = try rateRatio(unstable, .nodePerturbation)
        #expect(abs(ratio - 1) < 0.1, "NP log-rate ratio measured / predicted \(ratio)")

        let stable = try problem(flippedHidden: 0, steps: 2000, batch: 10, displacement: 1e-3, direction: .random, sigma: 1e-4)
            .solve(replicates: 4, threads: 4)
        #expect(stable.start.lambdaMin > 0)
        let np = try #require(stable.meanCurve(.nodePerturbation))
        let gd = try #require(stable.meanCurve(.gradient))
        let late = np.errorNorms.suffix(50)
        #expect(late.max()! < np.errorNorms[0] / 5, "NP error \(np.errorNorms[0]) -> \(late.max()!)")
        // The floor: NP stops decaying (the last 500 steps change |u| by less than 2x) while exact gradients go on.
        #expect(late.max()! / late.min()! < 2)
        #expect(gd.errorNorms.last! < late.min()! / 100)
    }

    @Test(arguments: [10, 50])
    func oneNodePerturbationDrawHasRankMinOfBatchAndLayerShape(batch: Int) throws {
        let flipped = problem(flippedHidden: 12, flippedInputs: 4, batch: batch, direction: .random)
        let ranks = try flipped.ranks(start: try flipped.start())
        #expect(ranks.bounds == [min(batch, 30, 20), 1])
        #expect(ranks.nodePerturbation == ranks.bounds)
        // The exact gradient of a one-output net is rank 1 in both layers: G1 = w2^T u Sigma-hat, G2 = u Sigma-hat W1^T.
        #expect(ranks.gradient == [1, 1])
        // Same network, batch and noise without flips: the same ranks.
        let plain = problem(flippedHidden: 0, batch: batch, direction: .random)
        #expect(try plain.ranks(start: try plain.start()) == ranks)
    }

    @Test func stabilityMatrixHasFullRankMWithoutFlipsAndAtMostMWithThem() throws {
        let plain = try problem(flippedHidden: 0).start()
        #expect(plain.stabilityRank == 20)
        #expect(plain.lambdaMin > 0)
        let flipped = try problem(flippedHidden: 15, flippedInputs: 5).start()
        #expect(flipped.stabilityRank <= 20)
        #expect(flipped.eigenvalues.count == 20)
        #expect(flipped.signs.layers[0].filter { $0 < 0 }.count == 5 && flipped.signs.layers[1].filter { $0 < 0 }.count == 15)
        // The student starts on the manifold's neighbourhood: u_0 small, and along K's bottom eigenvector when asked.
        let u0 = plain.initialError
        let v = (0..<20).map { plain.eigenvectors[$0, 0] }
        #expect(abs(abs(Vector.dot(u0, v)) / Vector.norm(u0) - 1) < 1e-9)
    }

    @Test func inputFlipsBlowUpAndTheRunStopsAsDiverged() throws {
        let p = problem(flippedHidden: 10, flippedInputs: 3, steps: 3000, batch: 10, displacement: 1e-3)
        let result = try p.solve(methods: [.gradient])
        let run = result.runs[0][0]
        #expect(run.diverged)
        let last = try #require(run.curve.errorNorms.last)
        #expect(!last.isFinite || last > p.divergenceRatio * Vector.norm(result.start.teacher))
        #expect(run.curve.steps.last == run.divergedAt)
    }

    @Test func sameSeedGivesTheSameTrajectoryWhateverTheThreadCount() throws {
        let p = problem(flippedHidden: 15, steps: 100, batch: 10, direction: .random)
        let a = try p.solve(replicates: 3, threads: 1)
        let b = try p.solve(replicates: 3, threads: 3)
        for m in a.methods.indices { for r in 0..<3 { #expect(a.runs[m][r].curve == b.runs[m][r].curve) } }
        #expect(a.runs[1][0].curve != a.runs[1][1].curve, "replicates draw their own batches and noise")
        var other = p
        other.seed = 2
        #expect(try other.solve(methods: [.gradient]).runs[0][0].curve != a.runs[0][0].curve)
    }

    @Test(arguments: [
        { (p: inout FlippedNPProblem) in p.learningRate = 0 },
        { (p: inout FlippedNPProblem) in p.learningRate = -0.1 },
        { (p: inout FlippedNPProblem) in p.sigma = 0 },
        { (p: inout FlippedNPProblem) in p.sigma = -1e-3 },
        { (p: inout FlippedNPProblem) in p.flippedInputs = 21 },
        { (p: inout FlippedNPProblem) in p.flippedHidden = 31 },
        { (p: inout FlippedNPProblem) in p.flippedHidden = -1 },
        { (p: inout FlippedNPProblem) in p.batchSize = 0 },
        { (p: inout FlippedNPProblem) in p.steps = 0 },
        { (p: inout FlippedNPProblem) in p.logEvery = 0 },
        { (p: inout FlippedNPProblem) in p.displacement = 0 },
    ] as [@Sendable (inout FlippedNPProblem) -> Void])
    func badInputThrowsParameterError(change: @Sendable (inout FlippedNPProblem) -> Void) throws {
        var p = problem(flippedHidden: 0, steps: 10)
        change(&p)
        #expect(throws: ParameterError.self) { try p.validate() }
        #expect(throws: ParameterError.self) { try p.solve() }
    }

    @Test func solveRefusesEmptyMethodsAndReplicates() {
        let p = problem(flippedHidden: 0, steps: 10)
        #expect(throws: ParameterError.self) { try p.solve(methods: []) }
        #expect(throws: ParameterError.self) { try p.solve(replicates: 0) }
    }
}
