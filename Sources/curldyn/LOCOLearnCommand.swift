import ArgumentParser
import Foundation
import GnuplotIO
import NodePerturbation
import NumericalKit
import Studies

extension LearningMethod: ExpressibleByArgument {}

/// `curldyn loco-learn`: NP, LOCO, its ablations and exact SGD on the clustered task over a learning-rate grid.
struct LOCOLearnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loco-learn",
        abstract: "Learn the clustered student-teacher task with NP, LOCO, its ablations and exact SGD over a learning-rate grid.",
        discussion: """
        loco.md section 7: a linear student W (10 x 100, from 0) learns the teacher from cluster-pure minibatches, \
        plain SGD on each method's update (--network tanh: a tanh student of --depth weight layers and a teacher of \
        its shape; every layer projects its update on its own presynaptic activity). For every method and learning rate (log-spaced grid) the relative \
        evaluation loss is recorded. Writes OUT/NAME_curves.dat (per method, the curve at its best stable rate), \
        OUT/NAME_summary.dat (largest stable rate, best rate, steps to --target, final loss, k-means purity) and \
        OUT/NAME.png. Runs are spread over all cores; results do not depend on the thread count.
        """)

    @Option(help: "Task setting: s1 (assumptions hold) or s2 (generic).") var setting: ClusteredTask.Setting = .s1
    @Option(parsing: .upToNextOption, help: "Methods: sgd, np, lowrank, owm, loco.") var methods: [LearningMethod] = LearningMethod.allCases
    @Option(parsing: .unconditional, help: "Smallest learning rate of the grid.") var lrMin = 1e-3
    @Option(parsing: .unconditional, help: "Largest learning rate of the grid.") var lrMax = 1.0
    @Option(parsing: .unconditional, help: "Learning rates in the grid (log-spaced).") var lrPoints = 16
    @Option(parsing: .unconditional, help: "Training steps.") var steps = 3000
    @Option(parsing: .unconditional, help: "Minibatch size.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Perturbation size sigma (1e-8...1e3).") var sigma = 0.01
    @Option(parsing: .unconditional, help: "Rank of the low-rank and LOCO projectors.") var rank = 14
    @Option(parsing: .unconditional, help: "Relative loss for the steps-to-target statistic.") var target = 0.01
    @Option(parsing: .unconditional, help: "Rule-flipped input neurons (curl descent's D1): their synapses' updates change sign.") var flipInputs = 0
    @Flag(help: "Mix clusters within a batch (LOCO's failure mode) instead of cluster-pure batches.") var mixedBatches = false
    @Option(parsing: .unconditional, help: "Seed of the task, the batches and the perturbations.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Worker threads.") var threads = ProcessorBudget.available
    @Option(help: "Student and teacher: linear (10 x 100) or tanh (100 -> 64 -> 10, or deeper with --depth).") var network = "linear"
    @Option(parsing: .unconditional, help: "Weight layers of the tanh network (2...12: depth - 1 hidden layers of 64), --network tanh only.") var depth = 2
    @Option(parsing: .unconditional, help: "Initial weight scale of the tanh student (weights ~ N(0, scale^2 / fan-in)), --network tanh only.") var studentScale = 0.1
    @Option(name: [.customLong("refresh"), .customLong("centroid-refresh")], parsing: .unconditional,
            help: "Steps between refits of each layer's k-means centroids (default 200, loco.md 7.1; 1 refits every step, like the author code).")
    var refresh = 200
    @Option(help: "Base name of the output files.") var name = "loco_learn"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn loco-learn with these sizes")
        let sigmas = NodePerturbationEstimator.sigmaRange
        guard sigmas.contains(sigma) else { throw ValidationError("--sigma must be positive and within \(sigmas.lowerBound)...\(sigmas.upperBound), got \(sigma)") }
        guard lrMin > 0, lrMax >= lrMin, lrPoints >= 1, steps >= 1, batchSize >= 2, sigma > 0, rank >= 1, rank <= batchSize, target > 0, threads >= 1 else {
            throw ValidationError("need 0 < --lr-min <= --lr-max, --lr-points >= 1, --steps >= 1, --batch-size >= 2, --sigma > 0, 1 <= --rank <= --batch-size, --target > 0")
        }
        guard network == "linear" || network == "tanh" else { throw ValidationError("--network must be linear or tanh") }
        guard !methods.isEmpty else { throw ValidationError("--methods needs at least one method") }
        guard refresh >= 1 else { throw ValidationError("--refresh must be at least 1 step, got \(refresh)") }
        if network == "linear" {
            guard depth == 2, studentScale == 0.1 else { throw ValidationError("--depth and --student-scale apply to --network tanh only") }
        }
        guard (2...12).contains(depth) else { throw ValidationError("--depth must lie in 2...12, got \(depth)") }
        guard studentScale.isFinite, studentScale > 0, studentScale <= 10 else {
            throw ValidationError("--student-scale must lie in (0, 10] (a zero tanh network has no hidden activity to project), got \(studentScale)")
        }
        guard (0...100).contains(flipInputs) else { throw ValidationError("--flip-inputs must lie in 0...100 (the task's inputs), got \(flipInputs)") }
    }

    var student: LOCOStudent { network == "tanh" ? .deep(depth: depth, initialScale: studentScale) : .linear }

    var grid: [Double] {
        lrPoints == 1 ? [lrMin] : (0..<lrPoints).map { lrMin * pow(lrMax / lrMin, Double($0) / Double(lrPoints - 1)) }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let task = try ClusteredTask(setting: setting, seed: seed)
        var options = LOCOLearningOptions()
        options.steps = steps
        options.batchSize = batchSize
        options.sigma = sigma
        options.rank = rank
        options.flippedInputs = flipInputs
        options.mixedBatches = mixedBatches
        options.centroidRefresh = refresh
        let study = LOCOLearningStudy(task: task, student: student, methods: methods, learningRates: grid, options: options, target: target, seed: seed,
                                      threads: threads, caption: "setting \(setting.rawValue), \(student.name(task)), seed \(seed)")
        let progress = ProgressLine()
        let report = try study.run { done, total in progress.update("loco-learn: \(done)/\(total) runs") }
        progress.finish()
        try output.deliver(report, command: "loco-learn", baseName: name,
                           parameters: [("setting", setting.rawValue), ("methods", methods.map(\.rawValue).joined(separator: ",")),
                                        ("lr_min", "\(lrMin)"), ("lr_max", "\(lrMax)"), ("lr_points", "\(lrPoints)"), ("steps", "\(steps)"),
                                        ("batch_size", "\(batchSize)"), ("sigma", "\(sigma)"), ("rank", "\(rank)"), ("target", "\(target)"),
                                        ("flip_inputs", "\(flipInputs)"), ("mixed_batches", "\(mixedBatches)"), ("network", network),
                                        ("centroid_refresh", "\(refresh)")]
                               + (network == "tanh" ? [("depth", "\(depth)"), ("student_scale", "\(studentScale)")] : []),
                           seed: seed,
                           notes: [(network == "tanh" ? "tanh student \(student.widths(task).map(String.init).joined(separator: " -> ")) (random start, scale \(studentScale)) learning a tanh teacher of its shape" : "linear student W (10 x 100) from 0") + ", cluster-pure minibatches, relative evaluation loss"])
    }
}
