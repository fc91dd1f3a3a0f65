import NumericalKit
import Testing
import NodePerturbation

@Test func everyMethodHasItsOwnRuleAndOnlyTheClusterMethodsUseClusters() {
    let rules = LearningMethod.allCases.map(\.rule)
    #expect(Set(rules.map { "\($0)" }).count == rules.count, "two methods share a rule: \(rules)")
    #expect(LearningMethod.allCases.filter(\.rule.usesClusters) == [.owm, .loco])
    #expect(LearningMethod.sgd.rule == .backpropagation)
}

@Test func runningTheLayersAtOnceGivesTheSameRunAsOneAfterTheOther() throws {
    // Each layer's update touches only its own projector state, so concurrent layers change nothing.
    let task = try ClusteredTask(setting: .s1, seed: 4)
    var options = LOCOLearningOptions()
    options.steps = 40
    options.logEvery = 10
    options.warmupBatches = 20
    options.centroidRefresh = 15
    options.evaluationPerCluster = 10
    let student = LOCOStudent.deep(depth: 4, initialScale: 1)
    for method in [LearningMethod.loco, .owm, .lowRank] {
        let one = try LOCOLearning.train(task: task, student: student, method: method, learningRate: 0.02, options: options, seed: 4)
        options.layerThreads = 4
        let all = try LOCOLearning.train(task: task, student: student, method: method, learningRate: 0.02, options: options, seed: 4)
        options.layerThreads = 1
        #expect(one.relativeLoss == all.relativeLoss, "\(method)")
        #expect(one.purity == all.purity)
        #expect(one.relativeLoss.last! < 1, "\(method): \(one.relativeLoss)")
    }
}

@Test func aDeepStudentStartsFromItsSeedAndLearnsATeacherOfItsShape() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    var options = LOCOLearningOptions()
    options.steps = 200
    options.evaluationPerCluster = 20
    let student = LOCOStudent.deep(depth: 5, initialScale: 1)
    #expect(student.widths(task) == [100, 64, 64, 64, 64, 10])
    let trainer = try LOCOTrainer(task: task, student: student, method: .sgd, learningRate: 0.05, options: options, seed: 0)
    #expect(trainer.network == (try MLP.random(widths: student.widths(task), activations: Array(repeating: .tanh, count: 4), scale: 1, seed: 0)))
    let curve = try LOCOLearning.train(task: task, student: student, method: .sgd, learningRate: 0.05, options: options, seed: 0)
    #expect(!curve.diverged && curve.finalLoss < 0.5, "final \(curve.finalLoss)")
}
