import NumericalKit

/// The variance study on the clustered task (loco.md 7.3), for the linear student of the paper's table or a
/// deeper student: which network, which batch, which projectors.
public struct ClusteredStudyConfiguration: Sendable {
    /// Hidden widths of the student; empty is the linear student n -> n_out learning the task's linear teacher.
    /// With hidden layers, student and teacher share the shape and the teacher is `ClusteredTask.nonlinearTeacher`.
    public var hidden: [Int] = []
    public var activation: Activation = .tanh
    /// Student weights ~ N(0, scale^2 / n_{l-1}) from stream `NPStreams.student` of the seed; nil means 0 for the
    /// linear student (loco.md 7.3's W = 0) and 1 with hidden layers (a zero network has no hidden activity).
    public var studentScale: Double?
    /// The largest student weight scale accepted: the teacher and inputs are of order 1, so a student 1e6 times
    /// larger is already far outside the task, and the network's output (scale^depth) and loss (its square) head
    /// for overflow beyond.
    public static let largestStudentScale = 1e6
    public var cluster = 0
    public var batchSize = 32
    public var evaluationPerCluster = 125
    /// r of the input layer's projectors and of every hidden layer's (loco.md 7.1: 14 and 10).
    public var inputRank = 14
    public var hiddenRank = 10
    public var warmupBatches = 200

    public init() {}

    func validate(task: ClusteredTask) throws {
        guard (0..<task.clusters).contains(cluster) else {
            throw ParameterError("cluster \(cluster) out of range 0..<\(task.clusters)")
        }
        guard batchSize >= 2, evaluationPerCluster >= 1, warmupBatches >= 0 else {
            throw ParameterError("need batch size >= 2, evaluation inputs per cluster >= 1 and warm-up batches >= 0")
        }
        guard hidden.allSatisfy({ $0 >= 1 }) else { throw ParameterError("hidden widths must be positive, got \(hidden)") }
        guard inputRank >= 1, inputRank <= min(batchSize, task.inputs) else {
            throw ParameterError("input rank \(inputRank) must lie in 1...\(min(batchSize, task.inputs)) (batch size and input dimension)")
        }
        if let h = hidden.min(), hiddenRank < 1 || hiddenRank > min(batchSize, h) {
            throw ParameterError("hidden rank \(hiddenRank) must lie in 1...\(min(batchSize, h)) (batch size and narrowest hidden layer)")
        }
        if let s = studentScale, !(s.isFinite && s >= 0 && s <= Self.largestStudentScale) || (s == 0 && !hidden.isEmpty) {
            throw ParameterError("student scale must lie in 0...\(Self.largestStudentScale) (> 0 with hidden layers), got \(s)")
        }
    }
}

extension VarianceStudy {
    /// The study of loco.md 7.3 on `task` with the student of `configuration`: one cluster-pure batch and the
    /// evaluation set from stream `NPStreams.evaluation` of `seed`, the variants' warm-up from `NPStreams.warmup`, the
    /// noise draws from `NPStreams.nodeNoise`.
    public static func clustered(task: ClusteredTask, configuration c: ClusteredStudyConfiguration, perturbed: PerturbedLayers = .all,
                                 sigma: Double, draws: Int, seed: UInt64, threads: Int = 2) throws -> VarianceStudy {
        try c.validate(task: task)
        let setup = try task.studentTeacher(hidden: c.hidden, activation: c.activation, studentScale: c.studentScale ?? (c.hidden.isEmpty ? 0 : 1),
                                            seed: seed)
        let (student, teacher) = (setup.student, setup.teacher)
        let stream = RandomStream(seed: seed, role: NPStreams.evaluation)
        let batch = task.sample(cluster: c.cluster, count: c.batchSize, stream: stream)
        let evaluation = task.evaluationSet(perCluster: c.evaluationPerCluster, stream: stream)
        let ranks = [c.inputRank] + c.hidden.map { _ in c.hiddenRank }
        let variants = try StudyVariants.make(task: task, network: student, batch: batch, batchSize: c.batchSize, ranks: ranks,
                                              warmupBatches: c.warmupBatches, stream: RandomStream(seed: seed, role: NPStreams.warmup))
        return try VarianceStudy(network: student, batch: batch, targets: try teacher.outputs(batch), evaluation: evaluation,
                                 evaluationTargets: try teacher.outputs(evaluation), variants: variants, perturbed: perturbed,
                                 sigma: sigma, draws: draws, seed: seed, threads: threads)
    }
}
