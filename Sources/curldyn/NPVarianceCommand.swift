import ArgumentParser
import Foundation
import GnuplotIO
import NodePerturbation
import NumericalKit

extension ClusteredTask.Setting: ExpressibleByArgument {}

/// `curldyn np-variance`: variance of node-perturbation gradient estimates with and without LOCO's projection.
struct NPVarianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "np-variance",
        abstract: "Variance of node-perturbation gradients with and without orthogonal projection (LOCO) on the clustered task.",
        discussion: """
        On the clustered student-teacher task of loco.md section 7 (setting s1 or s2), for the linear student at W = 0 \
        and one cluster-pure minibatch, R perturbation draws shared by every variant (NP, LowRank-only, OWM-only, \
        LOCO, and a control projector containing every input): weight-space and function-space variance, their \
        ratios to NP with 95% confidence half-widths, cosine to the true gradient, bias, and the closed forms of \
        loco.md 5.1 beside each. Writes OUT/NAME.dat (one row per variant).
        """)

    @Option(help: "Task setting: s1 (assumptions hold) or s2 (generic).") var setting: ClusteredTask.Setting = .s1
    @Option(parsing: .unconditional, help: "Seed of the task, the batch, the buffer and the draws.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Cluster of the minibatch.") var cluster = 0
    @Option(parsing: .unconditional, help: "Minibatch size B.") var batchSize = 32
    @Option(parsing: .unconditional, help: "Perturbation draws R.") var draws = 2000
    @Option(parsing: .unconditional, help: "Perturbation size sigma.") var sigma = 0.01
    @Option(parsing: .unconditional, help: "Rank r of the low-rank and LOCO projectors.") var rank = 14
    @Option(parsing: .unconditional, help: "Evaluation inputs per cluster for the function-space variance.") var evaluationPerCluster = 125
    @Option(parsing: .unconditional, help: "Worker threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Base name of the output file.") var name = "np_variance"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        guard batchSize >= 2, draws >= 20, sigma > 0, sigma.isFinite, rank >= 1, evaluationPerCluster >= 1, threads >= 1 else {
            throw ValidationError("need --batch-size >= 2, --draws >= 20, --sigma > 0, --rank >= 1, --evaluation-per-cluster >= 1, --threads >= 1")
        }
        guard (0..<8).contains(cluster) else { throw ValidationError("--cluster must be in 0..<8, got \(cluster)") }
        guard rank <= batchSize else { throw ValidationError("--rank \(rank) exceeds the batch's \(batchSize) directions") }
    }

    func run() throws {
        if !BLASThreads.fixedByEnvironment { BLASThreads.set(1) }
        let task = try ClusteredTask(setting: setting, seed: seed)
        let stream = RandomStream(seed: seed, task: 1)
        let batch = task.sample(cluster: cluster, count: batchSize, stream: stream)
        let evaluation = Matrix((0..<task.clusters).flatMap { k in
            let x = task.sample(cluster: k, count: evaluationPerCluster, stream: stream)
            return (0..<x.rows).map { x.row($0) }
        })
        let projectors = try StudyVariants.make(task: task, batch: batch, batchSize: batchSize, rank: rank, stream: RandomStream(seed: seed, task: 2))
        let study = try VarianceStudy(task: task, student: Matrix(rows: task.outputs, columns: task.inputs), batch: batch, cluster: cluster,
                                      evaluation: evaluation, projectors: projectors, sigma: sigma, draws: draws, seed: seed, threads: threads)
        let columns = ["variant", "V_w", "V_w_se", "V_w_closed_form", "V_w_ratio", "V_w_ratio_ci95", "V_w_ratio_closed_form",
                       "V_fn", "V_fn_closed_form", "V_fn_ratio", "V_fn_ratio_ci95", "cosine", "relative_bias", "kept_input_fraction"]
        let rows = study.variants.enumerated().map { i, v in
            [Double(i), v.weightVariance, v.weightVarianceError, v.predictedWeightVariance, v.weightRatio, v.weightRatioHalfWidth, v.predictedWeightRatio,
             v.functionVariance, v.predictedFunctionVariance, v.functionRatio, v.functionRatioHalfWidth, v.cosine, v.relativeBias, v.keptInputFraction]
        }
        let dataURL = URL(fileURLWithPath: output.out).appendingPathComponent("\(name).dat")
        let file = DataFile(header: Provenance(tool: "curldyn", version: CurlDyn.version, command: commandLineString,
                                               parameters: [("setting", setting.rawValue), ("cluster", "\(cluster)"), ("batch_size", "\(batchSize)"),
                                                            ("draws", "\(draws)"), ("sigma", "\(sigma)"), ("rank", "\(rank)"),
                                                            ("evaluation_per_cluster", "\(evaluationPerCluster)")],
                                               seed: seed, notes: ["variants (column 1): " + study.variants.enumerated().map { "\($0.offset)=\($0.element.name)" }.joined(separator: " "),
                                                                   "linear student at W = 0, one cluster-pure batch; ratios against NP with 95% half-widths"]),
                            columns: columns, dataSets: [.init(title: "variance study", rows: rows)])
        try AtomicFile.write(file.render(), to: dataURL)
        if output.json {
            struct Row: Encodable { let name: String; let weightRatio, weightRatioCi95, weightRatioClosedForm, functionRatio, functionRatioCi95, cosine, relativeBias: Double }
            try printJSON(study.variants.map { Row(name: $0.name, weightRatio: $0.weightRatio, weightRatioCi95: $0.weightRatioHalfWidth,
                                                   weightRatioClosedForm: $0.predictedWeightRatio, functionRatio: $0.functionRatio,
                                                   functionRatioCi95: $0.functionRatioHalfWidth, cosine: $0.cosine, relativeBias: $0.relativeBias) })
            return
        }
        print("variant        V_w ratio (closed form)      V_fn ratio          cos(EG, G_BP)  |Px|^2/|x|^2 (mean)")
        for v in study.variants {
            print(v.name.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + String(format: "%.3f +- %.3f (%.3f)    %.4f +- %.4f    %.3f          %.3f", v.weightRatio, v.weightRatioHalfWidth,
                           v.predictedWeightRatio, v.functionRatio, v.functionRatioHalfWidth, v.cosine, v.keptInputFraction))
        }
        print("data: \(dataURL.path)")
    }
}
