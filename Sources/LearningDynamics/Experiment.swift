import NumericalKit

/// Which integrator runs a training problem.
public enum Integrator: Sendable {
    /// The continuous full-batch flow, integrated with GSL.
    case continuous(ContinuousTrainingOptions)
    /// The reference's discrete minibatch protocol.
    case discrete(DiscreteTrainingOptions)
}

/// Everything that defines a paired student-teacher experiment except the seed: for each seed it draws a
/// teacher, a student start and the data, and runs every rule from that same start on that same data
/// (the reference's paired design, curl-descent.md section 2.1).
public struct Experiment: Sendable {
    public var shape: NetworkShape
    public var teacherHidden: Int?
    public var activation: NetworkActivation
    public var teacherInit: WeightInitialization
    /// Rescale each drawn teacher to |W1|_F = sqrt(N), |W2| = 1.
    public var normalizedTeacher = false
    public var studentStart: StudentStart
    public var trainCount: Int
    public var testCount: Int
    public var inputVariance: Double
    public var normConstraint: Bool
    public var rules: [LearningRule]
    public var integrator: Integrator

    public init(shape: NetworkShape, teacherHidden: Int? = nil, activation: NetworkActivation, teacherInit: WeightInitialization,
                studentStart: StudentStart, trainCount: Int, testCount: Int = TaskData.defaultTestCount,
                inputVariance: Double = LinearFlow.defaultInputVariance, normConstraint: Bool, rules: [LearningRule], integrator: Integrator) {
        self.shape = shape
        self.teacherHidden = teacherHidden
        self.activation = activation
        self.teacherInit = teacherInit
        self.studentStart = studentStart
        self.trainCount = trainCount
        self.testCount = testCount
        self.inputVariance = inputVariance
        self.normConstraint = normConstraint
        self.rules = rules
        self.integrator = integrator
    }

    /// The problems of one seed, one per rule, sharing teacher, start and data.
    public func problems(seed: UInt64, start override: TwoLayerWeights? = nil) throws -> [TrainingProblem] {
        guard !rules.isEmpty else { throw ParameterError("an experiment needs at least one rule") }
        let pair = try StudentTeacherPair(shape: shape, teacherHidden: teacherHidden, teacher: teacherInit, normalizedTeacher: normalizedTeacher,
                                          student: studentStart, seed: seed)
        let data = try TaskData(teacher: pair.teacher, activation: activation, trainCount: trainCount, testCount: testCount,
                                inputVariance: inputVariance, seed: seed)
        let start = override ?? pair.student
        guard start.shape == shape else { throw ParameterError("the starting weights do not match the network shape") }
        return try rules.map { try TrainingProblem(start: start, activation: activation, rule: $0, data: data, normConstraint: normConstraint, seed: seed) }
    }

    /// Runs one problem with the experiment's integrator.
    public func run(_ problem: TrainingProblem, progress: ((Double) -> Void)? = nil) throws -> TrainingCurve {
        switch integrator {
        case .continuous(let options):
            return try FullBatchFlow(problem).trainingCurve(options: options) { progress?($0.fraction) }
        case .discrete(let options):
            return try problem.trainDiscrete(options: options) { done, total in progress?(Double(done) / Double(total)) }
        }
    }
}
