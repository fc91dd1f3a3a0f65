import NumericalKit
import Testing
import NodePerturbation

// loco.md section 7.5, pass criteria of the demonstration, at W = 0 in setting S1 (section 7.3 reports
// V_w ratio 0.53, V_fn ratio 0.036 for LOCO; LowRank-only 0.97 / 0.99).

func s1Study(draws: Int = 600) throws -> VarianceStudy {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    let stream = RandomStream(seed: 0, task: 1)
    let cluster = 3
    let batch = task.sample(cluster: cluster, count: 32, stream: stream)
    let evaluation = Matrix((0..<task.clusters).flatMap { k in
        let x = task.sample(cluster: k, count: 25, stream: stream)
        return (0..<x.rows).map { x.row($0) }
    })
    let projectors = try StudyVariants.make(task: task, batch: batch, batchSize: 32, stream: RandomStream(seed: 0, task: 2))
    let student = Matrix(rows: task.outputs, columns: task.inputs)
    return try VarianceStudy(task: task, student: student, batch: batch, cluster: cluster, evaluation: evaluation,
                             projectors: projectors, sigma: 0.01, draws: draws, seed: 7)
}

@Test func locoCutsTheFunctionSpaceVarianceTenfoldInSettingS1() throws {
    let study = try s1Study()
    let byName = Dictionary(uniqueKeysWithValues: study.variants.map { ($0.name, $0) })
    let loco = try #require(byName["LOCO"])
    #expect(loco.functionRatio < 0.1, "V_fn ratio \(loco.functionRatio)")
    // The weight-space ratio is the closed form sum v_b |P x_b|^2 / sum v_b |x_b|^2, within Monte Carlo error.
    for variant in study.variants {
        let tolerance = 3 * variant.weightRatioHalfWidth / 1.96 + 1e-12
        #expect(abs(variant.weightRatio - variant.predictedWeightRatio) < tolerance,
                "\(variant.name): V_w ratio \(variant.weightRatio) +- \(variant.weightRatioHalfWidth), predicted \(variant.predictedWeightRatio)")
        // The closed-form V_w and V_fn themselves, within 3 standard errors (V_fn: 10% as its error is not tracked).
        #expect(abs(variant.weightVariance - variant.predictedWeightVariance) < 3 * variant.weightVarianceError, "\(variant.name)")
        #expect(abs(variant.functionVariance / variant.predictedFunctionVariance - 1) < 0.15, "\(variant.name)")
    }
    let lowRank = try #require(byName["LowRank-only"])
    #expect(lowRank.weightRatio > 0.85 && lowRank.weightRatio <= 1.02)
    // The control projector contains every input: nothing changes, and the mean is unbiased against G_BP.
    let control = try #require(byName["control"])
    #expect(abs(control.weightRatio - 1) < 1e-9 && abs(control.functionRatio - 1) < 1e-9)
    #expect(abs(control.keptInputFraction - 1) < 1e-12)
}

@Test func projectedMeansPointAlongTheProjectedTrueGradient() throws {
    let study = try s1Study(draws: 400)
    for variant in study.variants {
        // |M - G_BP P| / |G_BP| is Monte Carlo error (~ sqrt(V_w / R) / |G|) plus O(sigma^2).
        #expect(variant.relativeBias < 0.25, "\(variant.name): relative bias \(variant.relativeBias)")
    }
    #expect(study.variants[0].cosine > 0.9)
}

@Test func studyRejectsTooFewDrawsAndBadSigma() throws {
    let task = try ClusteredTask(setting: .s2, seed: 1)
    let x = task.sample(cluster: 0, count: 8, stream: RandomStream(seed: 1))
    let student = Matrix(rows: task.outputs, columns: task.inputs)
    let np: [(String, any PresynapticProjector)] = [("NP", IdentityProjector(inputDimension: task.inputs))]
    #expect(throws: PerturbationError.self) {
        try VarianceStudy(task: task, student: student, batch: x, cluster: 0, evaluation: x, projectors: np, sigma: 0.01, draws: 5, seed: 1)
    }
    #expect(throws: PerturbationError.self) {
        try VarianceStudy(task: task, student: student, batch: x, cluster: 0, evaluation: x, projectors: np, sigma: 0, draws: 100, seed: 1)
    }
}
