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
        loco.md 7.1's nonlinear variant for --hidden 64), each layer projected on its own presynaptic activity. \
        Writes OUT/NAME.dat (one row per layer and variant) and OUT/NAME.png (the ratios with the closed forms).
        """)

    @Option(help: "Task setting: s1 (assumptions hold) or s2 (generic).") var setting: ClusteredTask.Setting = .s1
    @Option(parsing: .unconditional, help: "Seed of the task, the networks, the batch, the buffer and the draws.") var seed: UInt64 = 0
    @Option(parsing: .upToNextOption, help: "Hidden widths of student and teacher (none: the linear student).") var hidden: [Int] = []
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

    var perturbed: PerturbedLayers {
        get throws {
            if layers == "all" { return .all }
            guard let l = Int(layers), (1...(hidden.count + 1)).contains(l) else {
                throw ValidationError("--layers must be all or a layer 1...\(hidden.count + 1), got \(layers)")
            }
            return .layer(l - 1)
        }
    }

    var study: ClusteredStudyConfiguration {
        var c = ClusteredStudyConfiguration()
        c.hidden = hidden
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
        guard hidden.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--hidden widths must be positive, got \(hidden)") }
        if let h = hidden.min(), hiddenRank > min(h, batchSize) {
            throw ValidationError("--hidden-rank \(hiddenRank) exceeds the narrowest hidden layer (\(h)) or the batch (\(batchSize))")
        }
        if let s = studentScale {
            guard s.isFinite, s >= 0, s <= ClusteredStudyConfiguration.largestStudentScale, s > 0 || hidden.isEmpty else {
                throw ValidationError("--student-scale must be finite and >= 0, and > 0 with hidden layers (a zero network has no hidden activity), and at most \(ClusteredStudyConfiguration.largestStudentScale), got \(s)")
            }
        }
        _ = try perturbed
    }

    func run() throws {
        BLASThreads.pinToOne()
        let task = try ClusteredTask(setting: setting, seed: seed)
        let result = try VarianceStudy.clustered(task: task, configuration: study, perturbed: try perturbed, sigma: sigma, draws: draws,
                                                 seed: seed, threads: threads)
        let names = result.layers[0].variants.map(\.name)
        let warnings = result.layers.flatMap { layer in
            layer.variants.filter { $0.keptInputFraction < 1e-12 }.map { v in
                "layer \(layer.index + 1): \(v.name) keeps nothing of the batch (a layer narrower than the \(task.clusters - 1) removed centroid directions?); its ratios are 0 and its cosine undefined"
            }
        }
        let columns = ["layer", "variant", "V_w", "V_w_se", "V_w_closed_form", "V_w_ratio", "V_w_ratio_ci95", "V_w_ratio_closed_form",
                       "V_fn", "V_fn_closed_form", "V_fn_ratio", "V_fn_ratio_ci95", "V_fn_ratio_closed_form", "relative_variance", "cosine", "relative_bias",
                       "kept_input_fraction", "D", "D_closed_form", "D_ratio"]
        let rows = result.layers.flatMap { layer in
            layer.variants.enumerated().map { i, v in
                [Double(layer.index + 1), Double(i), v.weightVariance, v.weightVarianceError, v.predictedWeightVariance, v.weightRatio,
                 v.weightRatioHalfWidth, v.predictedWeightRatio, v.functionVariance, v.predictedFunctionVariance, v.functionRatio,
                 v.functionRatioHalfWidth, v.predictedFunctionRatio, v.relativeVariance, v.cosine, v.relativeBias, v.keptInputFraction,
                 v.descent?.figure ?? .nan, v.descent?.closedForm ?? .nan, v.descent?.ratio ?? .nan]
            }
        }
        let widths = ([task.inputs] + hidden + [task.outputs]).map(String.init).joined(separator: "-")
        let file = DataFile(header: Provenance.thisRun(parameters: [("setting", setting.rawValue), ("widths", widths),
                                                            ("activation", hidden.isEmpty ? "none" : activation.rawValue),
                                                            ("student_scale", "\(studentScale ?? (hidden.isEmpty ? 0 : 1))"), ("layers", layers),
                                                            ("cluster", "\(cluster)"), ("batch_size", "\(batchSize)"),
                                                            ("draws", "\(draws)"), ("sigma", "\(sigma)"), ("rank", "\(rank)"),
                                                            ("hidden_rank", "\(hiddenRank)"), ("evaluation_per_cluster", "\(evaluationPerCluster)")],
                                               seed: seed, notes: ["variants (column 2): " + names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " "),
                                                                   "layer (column 1): l = 1 is W_1, the input layer; one cluster-pure batch",
                                                                   "ratios against NP with 95% half-widths; D, the descent figure of loco.md 2.4 (evaluation-loss gradient), for the output layer only (nan elsewhere)"]),
                            columns: columns, dataSets: [.init(title: "variance study", rows: rows)])
        struct Row: Encodable {
            let layer: Int
            let name: String
            let weightRatio, weightRatioCi95, weightRatioClosedForm, functionRatio, functionRatioCi95, relativeVariance, cosine, relativeBias: Double
            let descentRatio: Double?
        }
        let jsonRows = result.layers.flatMap { layer in layer.variants.map { v in
            Row(layer: layer.index + 1, name: v.name, weightRatio: v.weightRatio, weightRatioCi95: v.weightRatioHalfWidth,
                weightRatioClosedForm: v.predictedWeightRatio, functionRatio: v.functionRatio, functionRatioCi95: v.functionRatioHalfWidth,
                relativeVariance: v.relativeVariance, cosine: v.cosine, relativeBias: v.relativeBias, descentRatio: v.descent?.ratio)
        } }
        var lines: [String] = []
        for layer in result.layers {
            lines.append("layer \(layer.index + 1) (W_\(layer.index + 1))")
            lines.append("  variant        V_w ratio (closed form)      V_fn ratio          cos(EG, G_BP)  |Px|^2/|x|^2  D ratio")
            for v in layer.variants {
                lines.append("  " + v.name.padding(toLength: 15, withPad: " ", startingAt: 0)
                      + String(format: "%.3f +- %.3f (%.3f)    %.4f +- %.4f    %.3f          %.3f", v.weightRatio, v.weightRatioHalfWidth,
                               v.predictedWeightRatio, v.functionRatio, v.functionRatioHalfWidth, v.cosine, v.keptInputFraction)
                      + (v.descent.map { String(format: "         %.2f", $0.ratio) } ?? ""))
            }
        }
        let figure = try output.figure("np_variance.gp", name: "\(name).png") { path in
            [path("\(name).dat"), names.joined(separator: " "), "\(setting.rawValue), \(widths), R = \(draws), seed \(seed)"]
        }
        try output.deliver(RunOutput(command: "np-variance", provenance: file.header, files: [.init(label: "data", name: "\(name).dat", table: file)],
                                     figure: figure, summary: lines, results: .object(["rows": try JSONTreeEncoder.encode(jsonRows)]), warnings: warnings))
    }
}
