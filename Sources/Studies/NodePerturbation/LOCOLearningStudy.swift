import NodePerturbation

/// `loco-learn`: each learning method (SGD, NP, the projections) on the clustered task over a grid of learning
/// rates: the largest stable rate, the best rate (the stable run with the lowest final loss), its steps to a target
/// loss, its final loss and learning curve.
public struct LOCOLearningStudy: Sendable {
    public var task: ClusteredTask
    public var student: LOCOStudent
    public var methods: [LearningMethod]
    public var learningRates: [Double]
    public var options: LOCOLearningOptions
    public var target: Double
    public var seed: UInt64
    public var threads: Int
    public var caption: String

    public init(task: ClusteredTask, student: LOCOStudent, methods: [LearningMethod], learningRates: [Double], options: LOCOLearningOptions,
                target: Double, seed: UInt64, threads: Int, caption: String) {
        self.task = task
        self.student = student
        self.methods = methods
        self.learningRates = learningRates
        self.options = options
        self.target = target
        self.seed = seed
        self.threads = threads
        self.caption = caption
    }

    public struct Summary: Encodable, Sendable {
        public let method: String
        public let largestStableRate: Double?
        public let bestRate: Double?
        public let stepsToTarget: Int?
        public let finalLoss: Double?
        public let purity: Double?
    }

    public struct Results: Encodable, Sendable {
        public let methods: [Summary]
    }

    /// `progress(done, total)` follows the runs.
    public func run(progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> StudyReport {
        let curves = try LOCOLearning.sweep(task: task, student: student, methods: methods, learningRates: learningRates, options: options, seed: seed,
                                            threads: threads, progress: progress)
        // Best rate: the stable run with the lowest final loss.
        let best = curves.map { runs in runs.filter(\.isStable).min { $0.finalLoss < $1.finalLoss } }
        let summaries = zip(methods, zip(curves, best)).map { method, pair in
            Summary(method: method.rawValue, largestStableRate: pair.0.filter(\.isStable).map(\.learningRate).max(), bestRate: pair.1?.learningRate,
                    stepsToTarget: pair.1?.steps(toReach: target), finalLoss: pair.1?.finalLoss, purity: pair.0.compactMap(\.purity).first)
        }
        let format = { (x: Double?) in x.map { String(format: "%.3g", $0) } ?? "-" }
        var lines = ["method     largest stable lr   best lr   steps to \(target)   final loss   purity"]
        for s in summaries {
            let cells = [s.method, format(s.largestStableRate), format(s.bestRate), s.stepsToTarget.map { "\($0)" } ?? "never", format(s.finalLoss), format(s.purity)]
            lines.append(zip(cells, [11, 20, 10, 16, 13, 0]).map { $0.padding(toLength: max($1, $0.count), withPad: " ", startingAt: 0) }.joined())
        }
        return StudyReport(
            tables: [Table(suffix: "_curves", label: "curves", columns: ["step", "relative_loss"], sets: zip(methods, best).map { m, run in
                        ("\(m.rawValue) lr=\(run?.learningRate ?? .nan)", run.map { r in zip(r.steps, r.relativeLoss).map { [Double($0), $1] } } ?? [])
                     }),
                     Table(suffix: "_summary", label: "summary", columns: ["method_index", "largest_stable_lr", "best_lr", "steps_to_target", "final_loss", "purity"],
                           sets: summaries.enumerated().map { i, s in
                               (s.method, [[Double(i), s.largestStableRate ?? .nan, s.bestRate ?? .nan, s.stepsToTarget.map(Double.init) ?? .nan,
                                            s.finalLoss ?? .nan, s.purity ?? .nan]])
                           })],
            figure: FigurePlan(script: "loco_learn.gp", arguments: [.table("_curves"), .text(caption)], titles: methods.map(\.rawValue)),
            summary: lines, results: Results(methods: summaries),
            warnings: summaries.filter { $0.bestRate == nil }.map { "method \($0.method): no learning rate of the grid was stable; its curve is empty" })
    }
}
