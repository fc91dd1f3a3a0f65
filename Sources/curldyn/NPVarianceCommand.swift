import ArgumentParser
import Foundation
import GnuplotIO
import NodePerturbation
import NumericalKit
import Studies

extension ClusteredTask.Setting: ExpressibleByArgument {}

/// `curldyn np-variance`: variance of node-perturbation gradient estimates with and without LOCO's projection.
struct NPVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "np-variance",
        abstract: "Variance of node-perturbation gradients with and without orthogonal projection (LOCO) on the clustered task.",
        discussion: """
        On the clustered student-teacher task of loco.md section 7 (setting s1 or s2), for a fixed student and one \
        cluster-pure minibatch, R perturbation draws shared by every variant (NP, LowRank-only, OWM-only, LOCO, and a \
        control projector containing every input), per perturbed layer: weight-space and function-space variance, \
        their ratios to NP with 95% confidence half-widths, relative variance, cosine to the true gradient, bias, the \
        descent figure D (output layer), and the closed forms of loco.md 5.1 beside each. The default student is the \
        linear one at W = 0 of loco.md 7.3; --hidden adds hidden layers (student and teacher of that shape, \
        loco.md 7.1's nonlinear variant for --hidden 64; --depth L for L - 1 hidden layers of 64, up to 12), each layer \
        projected on its own presynaptic activity; the file has each layer's V_w with its standard error beside the closed form. \
        Writes OUT/NAME.dat (one row per layer and variant) and OUT/NAME.png (the ratios with the closed forms).
        """)

    @Option(help: "Task setting: s1 (assumptions hold) or s2 (generic).") var setting: ClusteredTask.Setting = .s1
    @Option(parsing: .unconditional, help: "Seed of the task, the networks, the batch, the buffer and the draws.") var seed: UInt64 = 0
    @Option(parsing: .upToNextOption, help: "Hidden widths of student and teacher (none: the linear student).") var hidden: [Int] = []
    @Option(parsing: .unconditional, help: "Weight layers of student and teacher, 2...12: depth - 1 hidden layers of 64 (instead of --hidden).")
    var depth: Int?
    @Option(help: "Hidden nonlinearity: lin, tanh, relu, erf or sigmoid.") var activation: Activation = .tanh
    @Option(parsing: .unconditional, help: "Student weight scale, at most 1e6 (default: 0 for the linear student, 1 with hidden layers).") var studentScale: Double?
    @Option(help: "Perturbed layers: all, or l (1 = W_1, the input layer).") var layers = "all"
    @Option(parsing: .unconditional, help: "Cluster of the minibatch.") var cluster = 0
    @Option(parsing: .unconditional, help: "Minibatch size B.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Perturbation draws R.") var draws = 2000
    @Option(parsing: .unconditional, help: "Perturbation size sigma (1e-8...1e3).") var sigma = 0.01
    @Option(parsing: .unconditional, help: "Rank r of the input layer's low-rank and LOCO projectors.") var rank = 14
    @Option(parsing: .unconditional, help: "Rank r of each hidden layer's projectors.") var hiddenRank = 10
    @Option(parsing: .unconditional, help: "Evaluation inputs per cluster for the function-space variance.") var evaluationPerCluster = 125
    @Option(parsing: .unconditional, help: "Worker threads.") var threads = ProcessorBudget.available
    @Option(help: "Base name of the output file.") var name = "np_variance"
    @OptionGroup(title: "Output") var output: OutputOptions

    /// The hidden widths: --depth's layers of 64, or --hidden's.
    var hiddenWidths: [Int] { depth.map { Array(repeating: 64, count: $0 - 1) } ?? hidden }

    var perturbed: PerturbedLayers {
        get throws {
            if layers == "all" { return .all }
            guard let l = Int(layers), (1...(hiddenWidths.count + 1)).contains(l) else {
                throw ValidationError("--layers must be all or a layer 1...\(hiddenWidths.count + 1), got \(layers)")
            }
            return .layer(l - 1)
        }
    }

    var study: ClusteredStudyConfiguration {
        var c = ClusteredStudyConfiguration()
        c.hidden = hiddenWidths
        c.activation = activation
        c.studentScale = studentScale
        c.cluster = cluster
        c.batchSize = batchSize
        c.evaluationPerCluster = evaluationPerCluster
        c.inputRank = rank
        c.hiddenRank = hiddenRank
        return c
    }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn np-variance with these sizes")
        let sigmas = NodePerturbationEstimator.sigmaRange
        guard sigmas.contains(sigma) else { throw ValidationError("--sigma must be positive and within \(sigmas.lowerBound)...\(sigmas.upperBound), got \(sigma)") }
        guard batchSize >= 2, draws >= 20, sigma > 0, sigma.isFinite, rank >= 1, hiddenRank >= 1, evaluationPerCluster >= 1, threads >= 1 else {
            throw ValidationError("need --batch-size >= 2, --draws >= 20, --sigma > 0, --rank and --hidden-rank >= 1, --evaluation-per-cluster >= 1, --threads >= 1")
        }
        guard (0..<8).contains(cluster) else { throw ValidationError("--cluster must be in 0..<8, got \(cluster)") }
        guard rank <= batchSize else { throw ValidationError("--rank \(rank) exceeds the batch's \(batchSize) directions") }
        if let depth {
            guard hidden.isEmpty else { throw ValidationError("give --depth or --hidden, not both") }
            guard (2...12).contains(depth) else { throw ValidationError("--depth must lie in 2...12, got \(depth)") }
        }
        guard hiddenWidths.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--hidden widths must be positive, got \(hidden)") }
        if let h = hiddenWidths.min(), hiddenRank > min(h, batchSize) {
            throw ValidationError("--hidden-rank \(hiddenRank) exceeds the narrowest hidden layer (\(h)) or the batch (\(batchSize))")
        }
        if let s = studentScale {
            guard s.isFinite, s >= 0, s <= ClusteredStudyConfiguration.largestStudentScale, s > 0 || hiddenWidths.isEmpty else {
                throw ValidationError("--student-scale must be finite and >= 0, and > 0 with hidden layers (a zero network has no hidden activity), and at most \(ClusteredStudyConfiguration.largestStudentScale), got \(s)")
            }
        }
        _ = try perturbed
    }

    func run() throws {
        BLASThreads.pinToOne()
        let task = try ClusteredTask(setting: setting, seed: seed)
        let widths = ([task.inputs] + hiddenWidths + [task.outputs]).map(String.init).joined(separator: "-")
        let report = try NPVarianceStudy(task: task, configuration: study, perturbed: try perturbed, sigma: sigma, draws: draws, seed: seed, threads: threads,
                                         caption: "\(setting.rawValue), \(widths), R = \(draws), seed \(seed)").run()
        try output.deliver(report, command: "np-variance", baseName: name,
                           parameters: [("setting", setting.rawValue), ("widths", widths), ("activation", hiddenWidths.isEmpty ? "none" : activation.rawValue),
                                        ("student_scale", "\(studentScale ?? (hiddenWidths.isEmpty ? 0 : 1))"), ("layers", layers),
                                        ("cluster", "\(cluster)"), ("batch_size", "\(batchSize)"),
                                        ("draws", "\(draws)"), ("sigma", "\(sigma)"), ("rank", "\(rank)"),
                                        ("hidden_rank", "\(hiddenRank)"), ("evaluation_per_cluster", "\(evaluationPerCluster)")],
                           seed: seed)
    }
}
