import NumericalKit
import Testing
import NodePerturbation

/// loco.md 2.3 at depth: with every layer of a deep tanh student perturbed at once, the Monte Carlo trace variance of
/// each layer's NP estimate, plain and LOCO-projected, agrees with the linearised closed form within its interval.
@Test func depthFourMonteCarloVarianceAgreesWithTheClosedFormInEveryLayer() throws {
    let task = try ClusteredTask(setting: .s1, seed: 5)
    var configuration = ClusteredStudyConfiguration()
    configuration.hidden = [64, 64, 64]
    let study = try VarianceStudy.clustered(task: task, configuration: configuration, sigma: 0.01, draws: 1000, seed: 5, threads: 2)
    #expect(study.layers.map(\.index) == [0, 1, 2, 3])
    for layer in study.layers {
        for v in layer.variants where v.name == "NP" || v.name == "LOCO" {
            let z = abs(v.weightVariance - v.predictedWeightVariance) / v.weightVarianceError
            #expect(z < 3, "layer \(layer.index + 1) \(v.name): V_w \(v.weightVariance) +- \(v.weightVarianceError), closed form \(v.predictedWeightVariance)")
            if v.name == "LOCO" {
                // The ratio's 95% half-width is 1.96 standard errors: 3 standard errors is 1.53 of them.
                #expect(abs(v.weightRatio - v.predictedWeightRatio) < 1.53 * v.weightRatioHalfWidth,
                        "layer \(layer.index + 1): V_w ratio \(v.weightRatio) +- \(v.weightRatioHalfWidth), closed form \(v.predictedWeightRatio)")
                #expect(v.weightRatio < 0.9 && v.functionRatio < 0.2, "layer \(layer.index + 1): LOCO keeps its reduction at depth")
            }
        }
    }
}
