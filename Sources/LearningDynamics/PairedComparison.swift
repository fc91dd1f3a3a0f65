import NumericalKit

/// Which loss a threshold is read on.
public enum LossKind: String, Sendable, CaseIterable {
    case train, test

}

/// What the paired protocol keeps of one rule's run on one seed: its loss curves on the logged times and
/// whether it finished (a diverged run is left out of the statistics). Small enough to checkpoint.
public struct PairedRun: Sendable, Equatable {
    public var times: [Double]
    public var trainLoss: [Double]
    public var testLoss: [Double]
    /// Discrete protocol: the logged epoch of each entry; empty for the continuous flow.
    public var loggedEpochs: [Int]
    public var succeeded: Bool

    public init(times: [Double], trainLoss: [Double], testLoss: [Double], loggedEpochs: [Int], succeeded: Bool) {
        self.times = times
        self.trainLoss = trainLoss
        self.testLoss = testLoss
        self.loggedEpochs = loggedEpochs
        self.succeeded = succeeded
    }

    public init(_ curve: TrainingCurve) {
        self.init(times: curve.times, trainLoss: curve.trainLoss, testLoss: curve.testLoss, loggedEpochs: curve.loggedEpochs,
                  succeeded: curve.status.isSuccess)
    }

    /// Every rule of `experiment` on `seed` (same teacher, start and data), in the experiment's rule order.
    public static func all(_ experiment: Experiment, seed: UInt64) throws -> [PairedRun] {
        try experiment.problems(seed: seed).map { PairedRun(try experiment.run($0)) }
    }

    public func loss(_ kind: LossKind) -> [Double] { kind == .train ? trainLoss : testLoss }
    public var finalTestLoss: Double { testLoss.last ?? .nan }
    /// The largest logged train loss.
    public var maxTrainLoss: Double { trainLoss.max() ?? .nan }
}

/// The paired protocol of the reference (curl-descent.md sections 2.1 and 5.1): for every seed, all rules
/// start from the same teacher, student and data; the time for the loss to fall below a threshold is
/// compared across rules with a paired t-test against the first rule.
public struct PairedComparison: Sendable {
    /// One rule's results over the seeds.
    public struct RuleResult: Sendable {
        public let rule: String
        /// Time (t units) of the first recorded loss below the threshold, the run's end time when never
        /// reached (the reference's convention: counted, not dropped).
        public let timesToThreshold: [Double]
        /// The same in epochs for the discrete protocol (the reference's logged epoch index), else empty.
        public let epochsToThreshold: [Int]
        public let reached: Int
        /// Seeds whose run of this rule diverged (or failed): kept out of every statistic and mean curve.
        public let divergedSeeds: [UInt64]
        /// Per seed, in the order of `seeds`: the time to threshold and whether it was reached (nil: diverged).
        public let timeBySeed: [Double?]
        public let reachedBySeed: [Bool?]
        /// Over the finished runs; nil when none finished.
        public let time: SampleSummary?
        public let finalTestLoss: SampleSummary?
        public let maxTrainLoss: SampleSummary?
        /// Paired t-test of this rule's times against the first rule's, over the seeds where both finished (nil
        /// for the first rule, or with fewer than 2 such pairs).
        public let versusBaseline: PairedTTest?
    }

    public let seeds: [UInt64]
    public let threshold: Double
    public let loss: LossKind
    /// `runs[s][r]`: seed s, rule r.
    public let runs: [[PairedRun]]
    public let results: [RuleResult]

    /// Runs every rule on every seed, spreading seeds over `threads` workers (results do not depend on it).
    /// A run that diverges is kept out of its rule's statistics and listed in `divergedSeeds`; the other runs stand.
    public static func run(_ experiment: Experiment, seeds: [UInt64], threshold: Double, on loss: LossKind = .test, threads: Int = 2,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PairedComparison {
        guard !seeds.isEmpty else { throw ParameterError("the paired protocol needs at least one seed") }
        let runs = try parallelMap(seeds.count, threads: threads, progress: progress) { s in try PairedRun.all(experiment, seed: seeds[s]) }
        return try PairedComparison(seeds: seeds, rules: experiment.rules.map(\.name), runs: runs, threshold: threshold, on: loss)
    }

    /// The statistics of runs already made (`runs[s][r]`: seed s, rule r), however they were computed: in this
    /// process, or by the shards of a sweep and read back from their checkpoints.
    public init(seeds: [UInt64], rules: [String], runs: [[PairedRun]], threshold: Double, on loss: LossKind) throws {
        guard !seeds.isEmpty else { throw ParameterError("the paired protocol needs at least one seed") }
        guard threshold > 0 else { throw ParameterError("the threshold must be positive, got \(threshold)") }
        guard runs.count == seeds.count, runs.allSatisfy({ $0.count == rules.count }) else {
            throw ParameterError("\(runs.count) seeds of runs for \(seeds.count) seeds and \(rules.count) rules")
        }
        var results: [RuleResult] = []
        var baselineTimes: [Double?] = []
        for (r, rule) in rules.enumerated() {
            let finished = runs.indices.filter { runs[$0][r].succeeded }
            let done = finished.map { runs[$0][r] }
            // Every run holds at least its t = 0 entry, so a crossing (or the last entry) always exists.
            let crossings = done.map { Thresholds.crossing(threshold: threshold, in: $0.loss(loss))! }
            let times = zip(done, crossings).map { run, c in run.times[c.index] }
            let epochs = zip(done, crossings).compactMap { run, c in run.loggedEpochs.isEmpty ? nil : run.loggedEpochs[c.index] }
            var timeBySeed = [Double?](repeating: nil, count: seeds.count)
            var reachedBySeed = [Bool?](repeating: nil, count: seeds.count)
            for (k, s) in finished.enumerated() {
                timeBySeed[s] = times[k]
                reachedBySeed[s] = crossings[k].reached
            }
            if r == 0 { baselineTimes = timeBySeed }
            let pairs = zip(baselineTimes, timeBySeed).compactMap { a, b in a.flatMap { a in b.map { (a, $0) } } }
            results.append(RuleResult(
                rule: rule, timesToThreshold: times, epochsToThreshold: epochs, reached: crossings.count { $0.reached },
                divergedSeeds: runs.indices.filter { !runs[$0][r].succeeded }.map { seeds[$0] },
                timeBySeed: timeBySeed, reachedBySeed: reachedBySeed,
                time: try? SampleSummary(times), finalTestLoss: try? SampleSummary(done.map(\.finalTestLoss)),
                maxTrainLoss: try? SampleSummary(done.map(\.maxTrainLoss)),
                versusBaseline: r == 0 || pairs.count < 2 ? nil : try PairedTTest.compute(pairs.map(\.0), pairs.map(\.1))))
        }
        self.seeds = seeds
        self.threshold = threshold
        self.loss = loss
        self.runs = runs
        self.results = results
    }

    /// Mean and standard error over the finished seeds of one rule's loss at each recorded time (runs share the grid).
    public func meanCurve(rule r: Int, loss kind: LossKind) -> [(time: Double, mean: Double, standardError: Double)] {
        let finished = runs.map { $0[r] }.filter(\.succeeded)
        let length = finished.map(\.times.count).min() ?? 0
        return (0..<length).map { k in
            let values = finished.map { $0.loss(kind)[k] }
            let summary = try? SampleSummary(values)
            return (finished[0].times[k], summary?.mean ?? .nan, summary?.standardError ?? .nan)
        }
    }
}
