import NumericalKit

/// Which loss a threshold is read on.
public enum LossKind: String, Sendable, CaseIterable {
    case train, test

    var keyPath: KeyPath<TrainingCurve, [Double]> { self == .train ? \.trainLoss : \.testLoss }
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
    /// `curves[s][r]`: seed s, rule r.
    public let curves: [[TrainingCurve]]
    public let results: [RuleResult]

    /// Runs every rule on every seed, spreading seeds over `threads` workers (results do not depend on it).
    /// A run that diverges is kept out of its rule's statistics and listed in `divergedSeeds`; the other runs stand.
    public static func run(_ experiment: Experiment, seeds: [UInt64], threshold: Double, on loss: LossKind = .test, threads: Int = 2,
                           progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> PairedComparison {
        guard !seeds.isEmpty else { throw ParameterError("the paired protocol needs at least one seed") }
        guard threshold > 0 else { throw ParameterError("the threshold must be positive, got \(threshold)") }
        let curves = try parallelMap(seeds.count, threads: threads, progress: progress) { s in
            try experiment.problems(seed: seeds[s]).map { try experiment.run($0) }
        }
        var results: [RuleResult] = []
        var baselineTimes: [Double?] = []
        for (r, rule) in experiment.rules.enumerated() {
            let finished = curves.indices.filter { curves[$0][r].status.isSuccess }
            let runs = finished.map { curves[$0][r] }
            // Every curve holds at least its t = 0 entry, so a crossing (or the last entry) always exists.
            let crossings = runs.map { Thresholds.crossing(threshold: threshold, in: $0[keyPath: loss.keyPath])! }
            let times = zip(runs, crossings).map { curve, c in curve.times[c.index] }
            let epochs = zip(runs, crossings).compactMap { curve, c in curve.loggedEpochs.isEmpty ? nil : curve.loggedEpochs[c.index] }
            var timeBySeed = [Double?](repeating: nil, count: seeds.count)
            var reachedBySeed = [Bool?](repeating: nil, count: seeds.count)
            for (k, s) in finished.enumerated() {
                timeBySeed[s] = times[k]
                reachedBySeed[s] = crossings[k].reached
            }
            if r == 0 { baselineTimes = timeBySeed }
            let pairs = zip(baselineTimes, timeBySeed).compactMap { a, b in a.flatMap { a in b.map { (a, $0) } } }
            results.append(RuleResult(
                rule: rule.name, timesToThreshold: times, epochsToThreshold: epochs, reached: crossings.count { $0.reached },
                divergedSeeds: curves.indices.filter { !curves[$0][r].status.isSuccess }.map { seeds[$0] },
                timeBySeed: timeBySeed, reachedBySeed: reachedBySeed,
                time: try? SampleSummary(times), finalTestLoss: try? SampleSummary(runs.map(\.finalTestLoss)),
                maxTrainLoss: try? SampleSummary(runs.map(\.maxTrainLoss)),
                versusBaseline: r == 0 || pairs.count < 2 ? nil : try PairedTTest.compute(pairs.map(\.0), pairs.map(\.1))))
        }
        return PairedComparison(seeds: seeds, threshold: threshold, loss: loss, curves: curves, results: results)
    }

    /// Mean and standard error over the finished seeds of one rule's loss at each recorded time (runs share the grid).
    public func meanCurve(rule r: Int, loss kind: LossKind) -> [(time: Double, mean: Double, standardError: Double)] {
        let runs = curves.map { $0[r] }.filter(\.status.isSuccess)
        let length = runs.map(\.times.count).min() ?? 0
        return (0..<length).map { k in
            let values = runs.map { $0[keyPath: kind.keyPath][k] }
            let summary = try? SampleSummary(values)
            return (runs[0].times[k], summary?.mean ?? .nan, summary?.standardError ?? .nan)
        }
    }
}
