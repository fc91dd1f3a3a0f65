import Foundation
import LearningDynamics
import NumericalKit

/// One paired run of the Fig. 5 family (curl-descent.md sections 5.1 and 6): a 100-10-1 network (c = 10) whose
/// teacher, student start and data come from one seed, trained by gradient descent and by curl descent with
/// `flippedHidden` rule-flipped hidden (readout) neurons, with the reference's minibatch protocol: B = 10, lr 0.1,
/// eta_eff = lr B / P, 100 test points, 100 log-spaced logging points.
public struct ThresholdSetup: Sendable, Equatable {
    public var activation: Activation = .tanh
    /// Normal instead of uniform initialisation of teacher and student (fig11a/b).
    public var normalInit = false
    public var trainCount = 2000
    /// The student's init_range r.
    public var studentScale = 2.0
    /// The teacher's teacher_init_range t.
    public var teacherScale = 1.0
    public var flippedHidden = 1
    public var epochs = 100_000
    public var normConstraint = true

    public init() {}

    public static let inputs = 100, hidden = 10, batchSize = 10, logPoints = 100, testCount = 100
    public static let learningRate = 0.1
    /// Epochs to threshold: the first logged epoch with log10(round(E, 15) + 1e-15) < -3.
    public static let threshold = 1e-3

    public var rules: [LearningRule] { [.gradientDescent, .curl(flippedInputs: .none, flippedHidden: .count(flippedHidden))] }

    /// The experiment and the discrete options; with `stopEarly` a run ends at the first logged epoch by which both
    /// its test and its train error have crossed the threshold (which changes neither epochs-to-threshold).
    public func experiment(stopEarly: Bool) throws -> (Experiment, DiscreteTrainingOptions) {
        var options = DiscreteTrainingOptions(learningRate: Self.learningRate, batchSize: Self.batchSize, epochs: epochs, logPoints: Self.logPoints)
        if stopEarly { options.stopAfterCrossing = [.test: Self.threshold, .train: Self.threshold] }
        let initialization: (Double) -> WeightInitialization = { normalInit ? .normal(scale: $0) : .uniform(scale: $0) }
        let experiment = Experiment(
            shape: try NetworkShape(inputs: Self.inputs, hidden: Self.hidden), activation: .reference(activation),
            teacherInit: initialization(teacherScale), studentStart: .random(initialization(studentScale)), trainCount: trainCount,
            testCount: Self.testCount, normConstraint: normConstraint, rules: rules, integrator: .discrete(options))
        return (experiment, options)
    }

    /// The epoch at which `losses` (one per logged epoch) first crosses the threshold; by the reference's convention a
    /// run that never does counts as its last epoch, epochs - 1 (also when it stopped or diverged before the end).
    public static func epochsToThreshold(losses: [Double], loggedEpochs: [Int], epochs: Int) -> (epoch: Int, reached: Bool) {
        let count = min(losses.count, loggedEpochs.count)
        if let k = Thresholds.firstIndexBelow(threshold: threshold, in: Array(losses[0..<count])) { return (loggedEpochs[k], true) }
        return (epochs - 1, false)
    }

    /// Runs both rules from `seed`. Values per rule (prefix gd_ / curl_): test_epochs, test_reached, train_epochs,
    /// train_reached, diverged, final_test, epochs_run; with `keepCurves` the series epochs, gd_test, curl_test.
    public func pairedRecord(key: String, seed: UInt64, stopEarly: Bool = true, keepCurves: Bool = false) throws -> CellRecord {
        let (experiment, _) = try experiment(stopEarly: stopEarly)
        var values: [String: Double] = [:]
        var series: [String: [Double]] = [:]
        for (rule, problem) in zip(["gd", "curl"], try experiment.problems(seed: seed)) {
            let curve = try experiment.run(problem)
            let test = Self.epochsToThreshold(losses: curve.testLoss, loggedEpochs: curve.loggedEpochs, epochs: epochs)
            let train = Self.epochsToThreshold(losses: curve.trainLoss, loggedEpochs: curve.loggedEpochs, epochs: epochs)
            values["\(rule)_test_epochs"] = Double(test.epoch)
            values["\(rule)_test_reached"] = test.reached ? 1 : 0
            values["\(rule)_train_epochs"] = Double(train.epoch)
            values["\(rule)_train_reached"] = train.reached ? 1 : 0
            values["\(rule)_diverged"] = curve.status.isSuccess ? 0 : 1
            values["\(rule)_final_test"] = curve.testLoss.last ?? .nan
            values["\(rule)_epochs_run"] = Double((curve.loggedEpochs.last ?? -1) + 1)
            if keepCurves {
                series["epochs"] = curve.loggedEpochs.map(Double.init)
                series["\(rule)_test"] = curve.testLoss
            }
        }
        return CellRecord(key: key, values: values, series: series)
    }

    /// Seconds per epoch of a paired cell (both rules), from a short run without stopping.
    func secondsPerEpoch() throws -> Double {
        var short = self
        short.epochs = 100
        return try secondsPerUnit(Double(short.epochs)) { _ = try short.pairedRecord(key: "timing", seed: 1, stopEarly: false) }
    }
}

/// The reductions of the Fig. 5 family over the inits of one grid point: mean +- std/sqrt(inits) of each rule's
/// epochs to threshold (never-reached runs are already counted at the last epoch) and the paired t-test GD vs curl
/// (scipy's ttest_rel(GD, curl): t > 0 means curl is faster), paired by record (one init = one seed = one pair).
public enum ThresholdReduction {
    public struct Point: Sendable {
        public let gd: SampleSummary?
        public let curl: SampleSummary?
        public let gdReached: Int
        public let curlReached: Int
        public let runs: Int
        public let test: PairedTTest?
    }

    public static func reduce(_ records: [CellRecord], loss: LossKind = .test) -> Point {
        let gd = records.map { $0.values["gd_\(loss.rawValue)_epochs"] ?? .nan }
        let curl = records.map { $0.values["curl_\(loss.rawValue)_epochs"] ?? .nan }
        let reached = { (rule: String) in records.count { $0.values["\(rule)_\(loss.rawValue)_reached"] == 1 } }
        return Point(gd: try? SampleSummary(gd), curl: try? SampleSummary(curl), gdReached: reached("gd"), curlReached: reached("curl"),
                     runs: records.count, test: gd.count >= 2 ? try? PairedTTest.compute(gd, curl) : nil)
    }
}
