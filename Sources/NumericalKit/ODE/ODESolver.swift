import CGSL

/// Integrates `problem` with a GSL stepper and returns the recorded trajectory, the status and the counts.
///
/// Invalid problems or options throw. Outcomes of the integration itself (divergence, step limit, GSL
/// failures, a fired stop condition) are reported in `ODESolution.status`, never as bogus data: on
/// divergence the recorded trajectory ends at the last output time that was reached with a valid state.
public func solve(_ problem: ODEProblem, _ stepper: Stepper = .rk8pd, options: ODESolveOptions = ODESolveOptions()) throws -> ODESolution {
    try options.validate()
    let n = problem.dimension
    guard n > 0 else { throw NumericalError.invalidArgument("the ODE system has dimension 0") }
    guard problem.startTime.isFinite, problem.endTime.isFinite, problem.endTime > problem.startTime else {
        throw NumericalError.invalidArgument("need finite start < end times, got [\(problem.startTime), \(problem.endTime)]")
    }
    guard problem.initialState.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("initial state") }
    // Pure absolute error control (rtol = 0) asks for an error below atol in every component, which round-off
    // of the state (a few epsilons of its size) defeats when atol is smaller than that.
    let scale = problem.initialState.reduce(0) { max($0, abs($1)) }
    if options.relativeTolerance == 0, options.absoluteTolerance < ODESolveOptions.smallestRelativeTolerance * scale {
        throw NumericalError.invalidArgument(
            "with relative tolerance 0, the absolute tolerance \(options.absoluteTolerance) is below what double precision can meet for a state of size \(scale); it must be at least 100 * machine epsilon * max |y_i| = \(ODESolveOptions.smallestRelativeTolerance * scale)")
    }
    let grid = try options.output.times(start: problem.startTime, end: problem.endTime)
    return try ODEIntegration(problem: problem, stepper: stepper, options: options, grid: grid).run()
}

/// Calls into Swift closures from GSL's C callbacks; passed as the system's `params`.
private final class CallbackContext {
    let vectorField: VectorField
    let jacobian: JacobianFunction?
    let n: Int
    var functionEvaluations = 0
    var jacobianEvaluations = 0
    var producedNonFinite = false
    /// The evaluation budget; once spent, every further call fails so that GSL returns at once.
    let maxFunctionEvaluations: Int
    var exhaustedBudget = false

    init(vectorField: @escaping VectorField, jacobian: JacobianFunction?, n: Int, maxFunctionEvaluations: Int?) {
        self.vectorField = vectorField
        self.jacobian = jacobian
        self.n = n
        self.maxFunctionEvaluations = maxFunctionEvaluations ?? .max
    }
}

private func callRHS(_ t: Double, _ y: UnsafePointer<Double>?, _ f: UnsafeMutablePointer<Double>?, _ params: UnsafeMutableRawPointer?) -> Int32 {
    let ctx = Unmanaged<CallbackContext>.fromOpaque(params!).takeUnretainedValue()
    guard ctx.functionEvaluations < ctx.maxFunctionEvaluations else {
        ctx.exhaustedBudget = true
        return Int32(GSL_EBADFUNC)  // stops the step at once; reported as the budget running out
    }
    ctx.functionEvaluations += 1
    let out = UnsafeMutableBufferPointer(start: f, count: ctx.n)
    ctx.vectorField(t, UnsafeBufferPointer(start: y, count: ctx.n), out)
    for v in out where !v.isFinite {
        ctx.producedNonFinite = true
        return Int32(GSL_EBADFUNC)  // stops the step at once; reported as divergence
    }
    return Int32(GSL_SUCCESS)
}

private func callJacobian(_ t: Double, _ y: UnsafePointer<Double>?, _ dfdy: UnsafeMutablePointer<Double>?,
                          _ dfdt: UnsafeMutablePointer<Double>?, _ params: UnsafeMutableRawPointer?) -> Int32 {
    let ctx = Unmanaged<CallbackContext>.fromOpaque(params!).takeUnretainedValue()
    guard let jacobian = ctx.jacobian else { return Int32(GSL_EBADFUNC) }
    ctx.jacobianEvaluations += 1
    jacobian(t, UnsafeBufferPointer(start: y, count: ctx.n), UnsafeMutableBufferPointer(start: dfdy, count: ctx.n * ctx.n),
             UnsafeMutableBufferPointer(start: dfdt, count: ctx.n))
    return Int32(GSL_SUCCESS)
}

/// One integration run: owns the GSL driver, the system struct and the callback context for its lifetime.
private final class ODEIntegration {
    let problem: ODEProblem
    let stepper: Stepper
    let options: ODESolveOptions
    let grid: [Double]
    let n: Int
    let context: CallbackContext
    let system: UnsafeMutablePointer<gsl_odeiv2_system>
    let driver: UnsafeMutablePointer<gsl_odeiv2_driver>
    var failedStepsBeforeReset = 0

    init(problem: ODEProblem, stepper: Stepper, options: ODESolveOptions, grid: [Double]) throws {
        GSL.prepare()
        self.problem = problem
        self.stepper = stepper
        self.options = options
        self.grid = grid
        n = problem.dimension
        context = CallbackContext(vectorField: problem.vectorField, jacobian: stepper.jacobian, n: n,
                                  maxFunctionEvaluations: options.maxFunctionEvaluations)
        system = .allocate(capacity: 1)
        system.initialize(to: gsl_odeiv2_system(
            function: callRHS, jacobian: stepper.jacobian == nil ? nil : callJacobian, dimension: n,
            params: Unmanaged.passUnretained(context).toOpaque()))
        let firstInterval = grid.count > 1 ? grid[1] - grid[0] : problem.endTime - problem.startTime
        let h0 = options.fixedStep ?? options.initialStep ?? max(1e-6 * firstInterval, 1e-12)
        guard let d = gsl_odeiv2_driver_alloc_y_new(system, stepper.gslType, h0, options.absoluteTolerance,
                                                    options.relativeTolerance) else {
            system.deallocate()
            throw GSLError(status: Int32(GSL_ENOMEM), context: "gsl_odeiv2_driver_alloc_y_new(\(stepper.name), n = \(n))")
        }
        driver = d
    }

    deinit {
        gsl_odeiv2_driver_free(driver)
        system.deinitialize(count: 1)
        system.deallocate()
    }

    private var driverStruct: gsl_odeiv2_driver { driver.pointee }

    func run() throws -> ODESolution {
        var solution = ODESolution()
        solution.stepperName = stepper.name
        solution.observables = Array(repeating: [], count: options.observables.count)
        var y = problem.initialState
        var t = problem.startTime
        var h = driverStruct.h
        // The last state known to be valid, kept so a divergent step never becomes the reported end state.
        var previousY = y
        var previousT = t
        let stop = options.stopCondition
        var stopValue = stop.map { s in y.withUnsafeBufferPointer { s.observable(t, $0) } } ?? 0

        record(t, y, into: &solution)
        outer: for target in grid.dropFirst() {
            var fixedSteps = 0
            var fixedH = 0.0
            if let hf = options.fixedStep {
                fixedSteps = max(1, Int(((target - t) / hf - 1e-9).rounded(.up)))
                fixedH = (target - t) / Double(fixedSteps)
            }
            while t < target {
                previousY = y
                previousT = t
                let status: Int32 = y.withUnsafeMutableBufferPointer { yp in
                    let d = driverStruct
                    if options.fixedStep != nil {
                        fixedSteps -= 1
                        let step = fixedSteps == 0 ? target - t : fixedH
                        // No control object: given one, GSL rejects (GSL_FAILURE) any fixed step whose error
                        // estimate exceeds the tolerances, which is error control, not a fixed step.
                        let s = gsl_odeiv2_evolve_apply_fixed_step(d.e, nil, d.s, system, &t, step, yp.baseAddress)
                        if fixedSteps == 0, s == Int32(GSL_SUCCESS) { t = target }
                        return s
                    }
                    return gsl_odeiv2_evolve_apply(d.e, d.c, d.s, system, &t, target, &h, yp.baseAddress)
                }
                solution.statistics.steps += 1
                if status != Int32(GSL_SUCCESS) {
                    if context.exhaustedBudget {
                        solution.status = .maxStepsExceeded(time: t)
                    } else if context.producedNonFinite {
                        solution.status = .diverged(time: t, reason: "the vector field became non-finite")
                    } else if status == Int32(GSL_FAILURE), options.fixedStep == nil {
                        // GSL's step control gives up when the step shrinks to round-off size: the signature
                        // of a finite-time blow-up (or another singularity) just ahead. A fixed step has no step
                        // control, so there GSL_FAILURE is the stepper's own failure and is reported as such.
                        solution.status = .diverged(time: t, reason: "the step size collapsed to round-off near t = \(t) (finite-time blow-up or singularity)")
                    } else {
                        solution.status = .failed(time: t, error: GSLError(status: status, context: "\(stepper.name) step at t = \(t)"))
                    }
                    break outer
                }
                if let reason = divergence(of: y) {
                    solution.status = .diverged(time: t, reason: reason)
                    break outer
                }
                if let s = stop {
                    let value = y.withUnsafeBufferPointer { s.observable(t, $0) }
                    if s.crosses(from: stopValue, to: value) {
                        let (te, ye) = try locateEvent(s, from: (previousT, previousY, stopValue), to: (t, y), maxStep: h)
                        record(te, ye, into: &solution)
                        solution.status = .stopped(time: te)
                        return finish(solution, state: ye, time: te)
                    }
                    stopValue = value
                }
                if solution.statistics.steps >= options.maxSteps, t < target {
                    solution.status = .maxStepsExceeded(time: t)
                    break outer
                }
            }
            record(target, y, into: &solution)
            options.progress?(ODEProgress(time: target, startTime: problem.startTime, endTime: problem.endTime))
        }
        switch solution.status {
        case .completed, .stopped: return finish(solution, state: y, time: t)
        case .maxStepsExceeded where !context.exhaustedBudget: return finish(solution, state: y, time: t)
        case .diverged, .failed, .maxStepsExceeded: return finish(solution, state: previousY, time: previousT)
        }
    }

    private func finish(_ solution: ODESolution, state: [Double], time: Double) -> ODESolution {
        var solution = solution
        solution.finalState = state
        solution.finalTime = time
        solution.statistics.functionEvaluations = context.functionEvaluations
        solution.statistics.jacobianEvaluations = context.jacobianEvaluations
        solution.statistics.failedSteps = failedStepsBeforeReset + Int(driverStruct.e.pointee.failed_steps)
        return solution
    }

    private func record(_ t: Double, _ y: [Double], into solution: inout ODESolution) {
        solution.times.append(t)
        if options.saveStates { solution.states.append(y) }
        if !options.observables.isEmpty {
            y.withUnsafeBufferPointer { yp in
                for (k, f) in options.observables.enumerated() { solution.observables[k].append(f(t, yp)) }
            }
        }
    }

    private func divergence(of y: [Double]) -> String? {
        var largest = 0.0
        var squares = 0.0
        for v in y {
            if !v.isFinite { return "the state became non-finite" }
            largest = max(largest, abs(v))
            squares += v * v
        }
        if largest > options.divergenceBound { return "a state component exceeded the bound \(options.divergenceBound)" }
        if let bound = options.divergenceNormBound, !(squares.squareRoot() <= bound) {
            return "the state's norm \(squares.squareRoot()) exceeded the bound \(bound)"
        }
        return nil
    }

    /// Bisects [ta, tb] for the first time the stop observable crosses its threshold, re-integrating from
    /// the last state before the crossing with the adaptive driver. Returns the earliest time found past
    /// the crossing (within the time tolerance) and the state there.
    private func locateEvent(_ s: StopCondition, from a: (Double, [Double], Double), to b: (Double, [Double]),
                             maxStep: Double) throws -> (Double, [Double]) {
        var (lo, yLo, gLo) = a
        var (hi, yHi) = b
        while hi - lo > max(s.timeTolerance, 4 * hi.ulp) {
            let mid = 0.5 * (lo + hi)
            var y = yLo
            var t = lo
            failedStepsBeforeReset += Int(driverStruct.e.pointee.failed_steps)
            gsl_odeiv2_driver_reset(driver)
            gsl_odeiv2_driver_reset_hstart(driver, min(maxStep, mid - lo))
            let status = y.withUnsafeMutableBufferPointer { gsl_odeiv2_driver_apply(driver, &t, mid, $0.baseAddress) }
            try GSL.check(status, "locating the stop event near t = \(mid)")
            let g = y.withUnsafeBufferPointer { s.observable(mid, $0) }
            if s.crosses(from: gLo, to: g) { (hi, yHi) = (mid, y) } else { (lo, yLo, gLo) = (mid, y, g) }
        }
        return (hi, yHi)
    }
}
