import NodePerturbation

/// `np-variance`: the variance of each layer's node-perturbation estimate on one cluster-pure batch of the
/// clustered task, plain and under each projection variant: Monte Carlo with confidence intervals beside the
/// closed forms, in weight and function space, with cosines, biases and the descent figure.
public struct NPVarianceStudy: Sendable {
    public var task: ClusteredTask
    public var configuration: ClusteredStudyConfiguration
    public var perturbed: PerturbedLayers
    public var sigma: Double
    public var draws: Int
    public var seed: UInt64
    public var threads: Int
    public var caption: String

    public init(task: ClusteredTask, configuration: ClusteredStudyConfiguration, perturbed: PerturbedLayers, sigma: Double, draws: Int, seed: UInt64,
                threads: Int, caption: String) {
        self.task = task
        self.configuration = configuration
        self.perturbed = perturbed
        self.sigma = sigma
        self.draws = draws
        self.seed = seed
        self.threads = threads
        self.caption = caption
    }

    public struct Row: Encodable, Sendable {
        public let layer: Int
        public let name: String
        public let weightRatio, weightRatioCi95, weightRatioClosedForm, functionRatio, functionRatioCi95, relativeVariance, cosine, relativeBias: Double
        public let descentRatio: Double?
    }

    public struct Results: Encodable, Sendable {
        public let rows: [Row]
    }

    public func run() throws -> StudyReport {
        let result = try VarianceStudy.clustered(task: task, configuration: configuration, perturbed: perturbed, sigma: sigma, draws: draws,
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
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: columns, sets: [("variance study", rows)])],
            figure: FigurePlan(script: "np_variance.gp", arguments: [.table(""), .text(names.joined(separator: " ")), .text(caption)]),
            summary: lines, results: Results(rows: jsonRows), warnings: warnings,
            notes: ["variants (column 2): " + names.enumerated().map { "\($0.offset)=\($0.element)" }.joined(separator: " "),
                    "layer (column 1): l = 1 is W_1, the input layer; one cluster-pure batch",
                    "ratios against NP with 95% half-widths; D, the descent figure of loco.md 2.4 (evaluation-loss gradient), for the output layer only (nan elsewhere)"])
    }
}
