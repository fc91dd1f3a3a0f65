import NumericalKit

/// Options for integrating a continuous learning flow (population or full-batch): the GSL stepper (by name;
/// implicit steppers get the flow's analytic Jacobian), tolerances, horizon and the log-spaced observation grid.
public struct LearningSolveOptions: Sendable {
    public var stepper = "rk8pd"
    public var relativeTolerance = 1e-10
    public var absoluteTolerance = 1e-14
    public var endTime = 1000.0
    /// First nonzero observation time; observations are log-spaced from here to `endTime` (plus t = 0).
    public var firstObservation = 1e-2
    public var observationCount = 200
    public var maxSteps = 50_000_000
    /// Budget of vector-field evaluations (GSL retries rejected steps inside one step, which `maxSteps` does not see).
    public var maxFunctionEvaluations = 200_000_000
    /// Weights larger than this in magnitude count as a blow-up.
    public var divergenceBound = 1e8
    /// Weight growth that counts as a blow-up (nil: none): the run is declared diverged once the Euclidean norm of
    /// all weights exceeds this factor times max(1, |theta_0|, sqrt(2 |w*|)), the largest of the start's norm and
    /// the norm of the smallest weights that realise the teacher's map w* (|W1|^2 + |W2|^2 >= 2 |W2 W1|; estimated
    /// from the data for the full-batch flow). Runaway weights make the flow stiffer as |W|^2 grows, so without this
    /// check an explicit stepper crawls for millions of steps long before any single weight reaches
    /// `divergenceBound`. A learning run that converges keeps its weights of the order of its start and of the
    /// teacher's scale, far below 1000 times either.
    public var weightGrowthBound: Double? = 1e3
    /// Stop early once the loss falls below this value (nil: never); located as an event.
    public var stopLoss: Double? = nil
    /// Full-batch flow only: record `windowSamples` states equally spaced over the last `windowDuration`
    /// time units, for the order parameter q.
    public var windowDuration: Double? = nil
    public var windowSamples = 1000

    public init() {}

    /// Largest number of weights for which an implicit stepper (dense Jacobian, LU per step) is allowed.
    public static let implicitParameterLimit = 2000

    /// Checks the options; `parameterCount` (the number of weights) enables the implicit-stepper size check.
    public func validate(parameterCount: Int? = nil) throws {
        guard endTime > 0, endTime.isFinite else { throw ParameterError("the final time must be positive, got \(endTime)") }
        guard firstObservation > 0, firstObservation < endTime else {
            throw ParameterError("the first observation time must lie in (0, t-final), got \(firstObservation)")
        }
        guard observationCount >= 2 else { throw ParameterError("need at least 2 observation times, got \(observationCount)") }
        guard relativeTolerance > 0, absoluteTolerance > 0, relativeTolerance.isFinite, absoluteTolerance.isFinite else {
            throw ParameterError("tolerances must be positive")
        }
        guard relativeTolerance >= ODESolveOptions.smallestRelativeTolerance else {
            throw ParameterError(
                "the relative tolerance \(relativeTolerance) is below what double precision can meet; it must be at least 100 * machine epsilon = \(ODESolveOptions.smallestRelativeTolerance)")
        }
        guard relativeTolerance < 1 else {
            throw ParameterError("the relative tolerance must be below 1, got \(relativeTolerance)")
        }
        guard maxSteps > 0, maxFunctionEvaluations > 0 else { throw ParameterError("step and evaluation budgets must be positive") }
        guard divergenceBound > 0 else { throw ParameterError("the divergence bound must be positive, got \(divergenceBound)") }
        if let g = weightGrowthBound, !(g > 1 && g.isFinite) {
            throw ParameterError("the weight growth bound must be a finite factor above 1, got \(g)")
        }
        guard Stepper.names.contains(stepper) else {
            throw ParameterError("unknown stepper '\(stepper)'; choose one of \(Stepper.names.joined(separator: ", "))")
        }
        if Stepper.implicitNames.contains(stepper), let p = parameterCount, p > Self.implicitParameterLimit {
            throw ParameterError(
                "stepper '\(stepper)' solves with the dense \(p) x \(p) Jacobian (O(P^3) work per step); use it for at most \(Self.implicitParameterLimit) weights, or an explicit stepper")
        }
        if let l = stopLoss, !(l > 0) { throw ParameterError("the stop loss must be positive, got \(l)") }
        if let d = windowDuration {
            guard d > 0, d <= endTime, windowSamples >= 2 else {
                throw ParameterError("the q window must lie inside (0, t-final] with at least 2 samples")
            }
        }
    }

    /// The named GSL stepper; implicit ones get the flow's analytic Jacobian from `jacobian`.
    func makeStepper(jacobian: () -> JacobianFunction) throws -> Stepper {
        try Stepper.named(stepper, jacobian: Stepper.implicitNames.contains(stepper) ? jacobian() : nil)
    }

    /// The solver options these settings fix (tolerances, step and evaluation budgets, divergence bounds, progress)
    /// for a run from `start` (flattened weights) towards a teacher map of norm `teacherScale`; the caller adds its
    /// output grid and observables.
    func odeOptions(start: [Double], teacherScale: Double, progress: ((ODEProgress) -> Void)?) -> ODESolveOptions {
        var ode = ODESolveOptions()
        ode.relativeTolerance = relativeTolerance
        ode.absoluteTolerance = absoluteTolerance
        ode.maxSteps = maxSteps
        ode.maxFunctionEvaluations = maxFunctionEvaluations
        ode.divergenceBound = divergenceBound
        let reference = max(1, Vector.norm(start), (2 * teacherScale).squareRoot())
        ode.divergenceNormBound = weightGrowthBound.map { $0 * reference }
        ode.progress = progress
        return ode
    }

    /// The two weight-norm observables |W1|_F and |W2| of a flattened state (W1 first, `w1Count` entries).
    static func weightNorms(w1Count nm: Int) -> [StateFunction] {
        [{ _, y in Vector.norm(Array(y[0..<nm])) }, { _, y in Vector.norm(Array(y[nm...])) }]
    }
}

/// The observables of one learning run on its time grid, with how the integration ended and what it cost.
public struct LearningCurve: Sendable {
    public var times: [Double]
    /// Population loss 1/2 u Sigma u^T.
    public var loss: [Double]
    /// |u| = |W2 W1 - w*|.
    public var errorNorm: [Double]
    /// Frobenius norm of W1.
    public var w1Norm: [Double]
    /// Euclidean norm of W2.
    public var w2Norm: [Double]
    /// First-order distance to the solution manifold W2 W1 = w* (`LinearFlow.manifoldDistance`).
    public var manifoldDistance: [Double]
    public var status: ODEStatus
    public var statistics: ODEStatistics
    public var stepper: String
    public var finalWeights: TwoLayerWeights

    public var finalLoss: Double { loss.last ?? .nan }

    /// Column names for tabular output, in the order of `rows`.
    public static let columns = ["t", "loss", "error_norm", "w1_norm", "w2_norm", "manifold_distance"]

    public var rows: [[Double]] { times.indices.map { [times[$0], loss[$0], errorNorm[$0], w1Norm[$0], w2Norm[$0], manifoldDistance[$0]] } }
}

extension LinearFlow {
    /// Integrates the flow from `start` and records loss, |u| and weight norms on a log-spaced grid.
    public func learningCurve(from start: TwoLayerWeights, options: LearningSolveOptions,
                              progress: ((ODEProgress) -> Void)? = nil) throws -> LearningCurve {
        try options.validate(parameterCount: dimension)
        let stepper = try options.makeStepper(jacobian: makeJacobian)
        let m = shape.inputs
        var ode = options.odeOptions(start: start.flattened, teacherScale: Vector.norm(target), progress: progress)
        ode.output = .logarithmic(count: options.observationCount, first: options.firstObservation)
        ode.saveStates = false
        let errorOf = { (y: UnsafeBufferPointer<Double>) -> [Double] in
            var u = [Double](repeating: 0, count: m)
            u.withUnsafeMutableBufferPointer { self.computeError(y, into: $0) }
            return u
        }
        let lossOf: StateFunction = { _, y in
            let u = errorOf(y)
            return 0.5 * Vector.dot(u, self.weighted(u))
        }
        ode.observables = [lossOf, { _, y in Vector.norm(errorOf(y)) }]
            + LearningSolveOptions.weightNorms(w1Count: shape.hidden * m)
            + [{ _, y in self.manifoldDistance(Array(y)) }]
        if let threshold = options.stopLoss {
            ode.stopCondition = StopCondition(threshold: threshold, direction: .falling, observable: lossOf)
        }
        let solution = try solve(problem(from: start, endTime: options.endTime), stepper, options: ode)
        return LearningCurve(
            times: solution.times, loss: solution.observables[0], errorNorm: solution.observables[1],
            w1Norm: solution.observables[2], w2Norm: solution.observables[3], manifoldDistance: solution.observables[4], status: solution.status,
            statistics: solution.statistics, stepper: solution.stepperName,
            finalWeights: TwoLayerWeights(shape: shape, flattened: solution.finalState))
    }
}
