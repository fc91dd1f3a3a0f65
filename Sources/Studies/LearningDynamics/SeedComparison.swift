import Foundation
import LearningDynamics

/// `compare` as a sweep: the paired protocol over seeds, one cell per seed. A cell's record holds every rule's
/// loss curves on that seed, so the statistics (times to threshold, paired t-tests, mean curves) are a
/// reduction over records that may come from this process, a checkpoint or the shards of an array job, and
/// are the same whichever.
public struct SeedComparison: Sendable {
    public var experiment: Experiment
    public var firstSeed: UInt64
    public var seedCount: Int
    public var threshold: Double
    public var loss: LossKind

    public init(experiment: Experiment, firstSeed: UInt64, seedCount: Int, threshold: Double, on loss: LossKind) {
        self.experiment = experiment
        self.firstSeed = firstSeed
        self.seedCount = seedCount
        self.threshold = threshold
        self.loss = loss
    }

    /// firstSeed, firstSeed + 1, ...
    public var seeds: [UInt64] { (0..<UInt64(seedCount)).map { firstSeed + $0 } }

    /// One cell per seed, named by its offset from the first seed (a cell's parameters are Doubles, which hold
    /// every offset exactly but not every 64-bit seed).
    public var cells: [Cell] { (0..<seedCount).map { Cell(index: $0, parameters: [("seed_offset", Double($0))]) } }

    /// Every rule on the cell's seed. The seed is the cell's own (firstSeed + offset), not one derived by the
    /// sweep, so a comparison gives the same runs as `integrate --seed` with that seed.
    public func compute(_ cell: Cell) throws -> CellRecord {
        let runs = try PairedRun.all(experiment, seed: firstSeed + UInt64(cell.integer("seed_offset")))
        var record = CellRecord(key: cell.key)
        for (r, run) in runs.enumerated() {
            record.values["rule\(r)_finished"] = run.succeeded ? 1 : 0
            record.series["rule\(r)_t"] = run.times
            record.series["rule\(r)_train"] = run.trainLoss
            record.series["rule\(r)_test"] = run.testLoss
            record.series["rule\(r)_epochs"] = run.loggedEpochs.map(Double.init)
        }
        return record
    }

    /// The statistics of the records of `cells`, in cell order.
    public func comparison(_ records: [CellRecord]) throws -> PairedComparison {
        let runs = try records.map { record in
            try experiment.rules.indices.map { r in
                guard let finished = record.values["rule\(r)_finished"], let times = record.series["rule\(r)_t"],
                      let train = record.series["rule\(r)_train"], let test = record.series["rule\(r)_test"],
                      let epochs = record.series["rule\(r)_epochs"], train.count == times.count, test.count == times.count else {
                    throw ParameterError("the record of \(record.key) lacks rule \(r)'s curves")
                }
                return PairedRun(times: times, trainLoss: train, testLoss: test, loggedEpochs: epochs.map { Int($0) }, succeeded: finished == 1)
            }
        }
        return try PairedComparison(seeds: seeds, rules: experiment.rules.map(\.name), runs: runs, threshold: threshold, on: loss)
    }

    /// NAME_curves (per rule: mean and standard error over the finished seeds of the train and test loss),
    /// NAME_stats (per rule: time to threshold, seeds that reached it, paired t-test against the first rule) and
    /// NAME_seeds (per rule and finished seed: time to threshold, reached, final test loss, max train loss).
    public func tables(_ comparison: PairedComparison) -> [Table] {
        let rules = experiment.rules.map(\.name)
        let curves = Table(suffix: "_curves", label: "data", columns: ["t", "train_mean", "train_se", "test_mean", "test_se"],
                           sets: rules.indices.map { r in
                               let train = comparison.meanCurve(rule: r, loss: .train), test = comparison.meanCurve(rule: r, loss: .test)
                               return (rules[r], zip(train, test).map { [$0.time, $0.mean, $0.standardError, $1.mean, $1.standardError] })
                           })
        let stats = Table(suffix: "_stats", label: "stats", columns: ["rule_index", "mean_time", "se_time", "reached", "seeds", "diverged", "t_vs_first", "df", "p_value"],
                          sets: comparison.results.enumerated().map { r, result in
                              (result.rule, [[Double(r), result.time?.mean ?? .nan, result.time?.standardError ?? .nan, Double(result.reached),
                                              Double(seedCount), Double(result.divergedSeeds.count), result.versusBaseline?.t ?? .nan,
                                              result.versusBaseline.map { Double($0.degreesOfFreedom) } ?? .nan, result.versusBaseline?.pValue ?? .nan]])
                          })
        let perSeed = Table(suffix: "_seeds", label: "seeds", columns: ["seed", "time_to_threshold", "reached", "final_test", "max_train"],
                            sets: comparison.results.enumerated().map { r, result in
                                ("\(result.rule) (diverged seeds are left out)", comparison.seeds.indices.compactMap { s in
                                    guard let time = result.timeBySeed[s], let reached = result.reachedBySeed[s] else { return nil }
                                    let run = comparison.runs[s][r]
                                    return [Double(comparison.seeds[s]), time, reached ? 1 : 0, run.finalTestLoss, run.maxTrainLoss]
                                })
                            })
        return [curves, stats, perSeed]
    }

    /// One rule's results for `--json`.
    public struct RuleSummary: Encodable, Sendable {
        public let rule: String
        public let reached: Int
        /// Seeds whose run of this rule diverged: left out of this rule's statistics and curves.
        public let divergedSeeds: [UInt64]
        public let meanTime: Double?
        public let standardErrorTime: Double?
        public let meanEpochs: Double?
        public let meanFinalTestLoss: Double?
        public let meanMaxTrainLoss: Double?
        public let t: Double?
        public let degreesOfFreedom: Int?
        public let pValue: Double?
    }

    /// The comparison's results for `--json`.
    public struct Summary: Encodable, Sendable {
        public let seeds: [UInt64]
        public let threshold: Double
        public let on: String
        public let rules: [RuleSummary]
    }

    public func summary(_ comparison: PairedComparison) -> Summary {
        Summary(seeds: comparison.seeds, threshold: threshold, on: loss.rawValue, rules: comparison.results.map { r in
            RuleSummary(rule: r.rule, reached: r.reached, divergedSeeds: r.divergedSeeds, meanTime: r.time?.mean, standardErrorTime: r.time?.standardError,
                        meanEpochs: r.epochsToThreshold.isEmpty ? nil : Double(r.epochsToThreshold.reduce(0, +)) / Double(r.epochsToThreshold.count),
                        meanFinalTestLoss: r.finalTestLoss?.mean, meanMaxTrainLoss: r.maxTrainLoss?.mean, t: r.versusBaseline?.t,
                        degreesOfFreedom: r.versusBaseline?.degreesOfFreedom, pValue: r.versusBaseline?.pValue)
        })
    }

    /// One terminal line per rule: its time to threshold, the seeds that reached it, diverged seeds, the t-test.
    public func summaryLines(_ summary: Summary) -> [String] {
        summary.rules.map { s in
            var line = s.meanTime.map { mean in
                String(format: "%@: time to %@ loss < %g: %.4g +- %.2g (%d/%d seeds reached)", s.rule, loss.rawValue, threshold, mean,
                       s.standardErrorTime ?? .nan, s.reached, seedCount)
            } ?? "\(s.rule): no run finished"
            if !s.divergedSeeds.isEmpty { line += "; \(s.divergedSeeds.count) seed(s) diverged and are left out: \(s.divergedSeeds.map(String.init).joined(separator: " "))" }
            if let t = s.t, let p = s.pValue { line += String(format: "; paired t vs %@ = %.3f, p = %.3g", summary.rules[0].rule, t, p) }
            return line
        }
    }

    /// A warning per rule with diverged seeds.
    public func warnings(_ comparison: PairedComparison) -> [String] {
        comparison.results.filter { !$0.divergedSeeds.isEmpty }.map {
            "rule \($0.rule): \($0.divergedSeeds.count) of \(seedCount) seeds diverged; they are left out of its statistics and curves"
        }
    }

    /// The tables, the mean learning curves' figure (titled `caption`), the summary and the JSON results.
    public func report(_ comparison: PairedComparison, caption: String) -> StudyReport {
        let summary = summary(comparison)
        return StudyReport(tables: tables(comparison),
                           figure: FigurePlan(script: "compare.gp", arguments: [.table("_curves"), .text(caption)], titles: experiment.rules.map(\.name)),
                           summary: summaryLines(summary), results: summary, warnings: warnings(comparison),
                           notes: ["paired protocol: every rule from the same teacher, start and data for each seed \(firstSeed)..\(firstSeed + UInt64(seedCount - 1))",
                                   "NaN marks a value that does not exist (no t-test of the first rule against itself)"])
    }
}
