import NumericalKit

/// One integrated learning curve of the order-parameter flow: eps_g and the state at the output times.
public struct SCMLearningCurve {
    /// Output times alpha (steps / N).
    public let times: [Double]
    /// eps_g at `times`.
    public let generalisationError: [Double]
    /// The order parameters at `times`.
    public let states: [SCMState]
    public let status: ODEStatus
    public let statistics: ODEStatistics
    public let stepper: String

    public var finalState: SCMState { states.last! }
    public var finalError: Double { generalisationError.last! }
}

extension SCMFlow {
    /// Integrates the flow from `start` to `endTime` with a GSL adaptive stepper (rk8pd by default), recording
    /// eps_g and the state at `options.output` times.
    public func learningCurve(from start: SCMState, endTime: Double, stepper: Stepper = .rk8pd,
                              options: ODESolveOptions = SCMFlow.defaultSolveOptions) throws -> SCMLearningCurve {
        var options = options
        options.saveStates = true
        options.observables = [makeErrorObservable()]
        let solution = try solve(problem(from: start, endTime: endTime), stepper, options: options)
        return SCMLearningCurve(times: solution.times, generalisationError: solution.observables[0],
                                states: solution.states.map(unpack), status: solution.status,
                                statistics: solution.statistics, stepper: solution.stepperName)
    }

    /// Tolerances 1e-10 (absolute and relative), 201 linearly spaced output times; a run whose order parameters
    /// pass 1e6 in size (runaway weights: online curl descent can blow up) is ended as diverged, and one that
    /// spends 5e5 evaluations (the eta^2 terms of a runaway state make the flow stiff) as out of budget.
    public static var defaultSolveOptions: ODESolveOptions {
        var o = ODESolveOptions()
        o.divergenceBound = 1e6
        o.maxFunctionEvaluations = 500_000
        o.absoluteTolerance = 1e-10
        o.relativeTolerance = 1e-10
        o.output = .linear(count: 201)
        return o
    }
}
