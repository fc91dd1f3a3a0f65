import NumericalKit
import Testing
import NodePerturbation

private func twoLayerOptions(steps: Int) -> LOCOLearningOptions {
    var options = LOCOLearningOptions()
    options.steps = steps
    options.logEvery = 50
    options.warmupBatches = 20
    return options
}

@Test func twoLayerExactGradientDescentLearnsTheTanhTeacher() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    let curve = try LOCOLearning.train(task: task, student: .tanh, method: .sgd, learningRate: 0.3, options: twoLayerOptions(steps: 300), seed: 0)
    #expect(!curve.diverged)
    #expect(curve.finalLoss < 0.25)
}

@Test(arguments: [LearningMethod.np, .lowRank, .owm, .loco])
func twoLayerPerturbationLearningReducesTheLossReproducibly(method: LearningMethod) throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    let options = twoLayerOptions(steps: 300)
    let a = try LOCOLearning.train(task: task, student: .tanh, method: method, learningRate: 0.03, options: options, seed: 0)
    let b = try LOCOLearning.train(task: task, student: .tanh, method: method, learningRate: 0.03, options: options, seed: 0)
    #expect(a.isStable)
    #expect(a.finalLoss < 0.9)
    #expect(a.relativeLoss == b.relativeLoss)
    if method == .loco || method == .owm { #expect((a.purity ?? 0) > 0.5) } else { #expect(a.purity == nil) }
}

@Test func twoLayerHugeLearningRateIsReportedUnstable() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    let curve = try LOCOLearning.train(task: task, student: .tanh, method: .np, learningRate: 100, options: twoLayerOptions(steps: 200), seed: 0)
    #expect(curve.diverged)
    #expect(!curve.isStable)
}

@Test func twoLayerTrainerHonoursMixedBatches() throws {
    // --mixed-batches used to be ignored by the tanh trainer: the same seed must now give another trajectory.
    let task = try ClusteredTask(setting: .s1, seed: 0)
    var options = twoLayerOptions(steps: 100)
    let pure = try LOCOLearning.train(task: task, student: .tanh, method: .np, learningRate: 0.03, options: options, seed: 0)
    options.mixedBatches = true
    let mixed = try LOCOLearning.train(task: task, student: .tanh, method: .np, learningRate: 0.03, options: options, seed: 0)
    #expect(pure.relativeLoss != mixed.relativeLoss)
}
