/// How an integration ended.
public enum ODEStatus: Equatable, Sendable {
    /// Reached the end time.
    case completed
    /// The stop condition fired; the event time is the solution's last time.
    case stopped(time: Double)
    /// The state became non-finite or exceeded the divergence bound at `time`.
    case diverged(time: Double, reason: String)
    /// The step budget (`maxSteps`) or the evaluation budget (`maxFunctionEvaluations`) ran out at `time`.
    case maxStepsExceeded(time: Double)
    /// GSL reported an error at `time`.
    case failed(time: Double, error: GSLError)

    /// True for `.completed` and `.stopped`: the recorded data are a valid solution.
    public var isSuccess: Bool {
        switch self {
        case .completed, .stopped: true
        default: false
        }
    }

    public var summary: String {
        switch self {
        case .completed: "completed"
        case .stopped(let t): "stopped by event at t = \(t)"
        case .diverged(let t, let reason): "diverged at t = \(t): \(reason)"
        case .maxStepsExceeded(let t): "step or evaluation budget exhausted at t = \(t)"
        case .failed(let t, let e): "failed at t = \(t): \(e)"
        }
    }
}

/// Work counters of one solve.
public struct ODEStatistics: Equatable, Sendable, Codable {
    public var functionEvaluations = 0
    public var jacobianEvaluations = 0
    public var steps = 0
    public var failedSteps = 0

    public init(functionEvaluations: Int = 0, jacobianEvaluations: Int = 0, steps: Int = 0, failedSteps: Int = 0) {
        self.functionEvaluations = functionEvaluations
        self.jacobianEvaluations = jacobianEvaluations
        self.steps = steps
        self.failedSteps = failedSteps
    }
}

/// The result of `solve`: the recorded trajectory, how the solve ended and what it cost.
public struct ODESolution {
    /// Output times actually reached (the start time first; the event time last when stopped).
    public var times: [Double] = []
    /// States at `times` (empty unless options.saveStates).
    public var states: [[Double]] = []
    /// `observables[k][i]` is observable k at `times[i]`.
    public var observables: [[Double]] = []
    public var status: ODEStatus = .completed
    public var statistics = ODEStatistics()
    /// The last valid state (at `times.last` on success; the last good step otherwise).
    public var finalState: [Double] = []
    /// The time of `finalState`.
    public var finalTime: Double = 0
    public var stepperName: String = ""
}
