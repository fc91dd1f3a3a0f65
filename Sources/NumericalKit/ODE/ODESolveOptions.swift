import Foundation

/// Where the solution is recorded. The start time is always the first point and the end time the last.
public enum OutputTimes {
    /// `count` equally spaced times from start to end (count >= 2).
    case linear(count: Int)
    /// The start time, then `count` log-spaced times from `first` to the end (first > start).
    case logarithmic(count: Int, first: Double)
    /// The start time, these times (strictly increasing, inside (start, end]), then the end time.
    case explicit([Double])

    /// The output grid for an integration over [start, end].
    public func times(start: Double, end: Double) throws -> [Double] {
        var grid: [Double]
        switch self {
        case .linear(let count):
            guard count >= 2 else { throw NumericalError.invalidArgument("a linear output grid needs at least 2 points, got \(count)") }
            let step = (end - start) / Double(count - 1)
            grid = (0..<count).map { (k: Int) -> Double in start + step * Double(k) }
            grid[count - 1] = end
        case .logarithmic(let count, let first):
            guard count >= 1 else { throw NumericalError.invalidArgument("a log-spaced output grid needs at least 1 point, got \(count)") }
            guard first > start, first <= end, first > 0 else {
                throw NumericalError.invalidArgument("the first log-spaced output time must lie in (max(start, 0), end], got \(first)")
            }
            let (a, b) = (log(first), log(end))
            let ratio = count == 1 ? 0 : (b - a) / Double(count - 1)
            grid = [start] + (0..<count).map { (k: Int) -> Double in exp(a + ratio * Double(k)) }
            grid[1] = first
            grid[grid.count - 1] = end
        case .explicit(let times):
            guard times.allSatisfy({ $0.isFinite && $0 > start && $0 <= end }) else {
                throw NumericalError.invalidArgument("explicit output times must lie in (\(start), \(end)]")
            }
            guard zip(times, times.dropFirst()).allSatisfy({ $0 < $1 }) else {
                throw NumericalError.invalidArgument("explicit output times must be strictly increasing")
            }
            grid = [start] + times
            if grid.last! < end { grid.append(end) }
        }
        // Log spacing can round two neighbours to the same double; keep the grid strictly increasing.
        var strict = [grid[0]]
        for t in grid.dropFirst() where t > strict.last! { strict.append(t) }
        return strict
    }
}

/// Stop the integration when `observable` crosses `threshold`; the crossing time is located by bisection
/// to within `timeTolerance`.
public struct StopCondition {
    public enum Direction: Sendable { case falling, rising, either }

    public var observable: StateFunction
    public var threshold: Double
    public var direction: Direction
    public var timeTolerance: Double

    public init(threshold: Double, direction: Direction = .falling, timeTolerance: Double = 1e-9,
                observable: @escaping StateFunction) {
        self.observable = observable
        self.threshold = threshold
        self.direction = direction
        self.timeTolerance = timeTolerance
    }

    /// Whether going from value `a` to value `b` crosses the threshold in the watched direction.
    func crosses(from a: Double, to b: Double) -> Bool {
        switch direction {
        case .falling: a > threshold && b <= threshold
        case .rising: a < threshold && b >= threshold
        case .either: (a > threshold && b <= threshold) || (a < threshold && b >= threshold)
        }
    }
}

/// How `solve` integrates: tolerances, step control, output grid, stop condition and divergence guard.
public struct ODESolveOptions {
    /// Absolute error tolerance per component.
    public var absoluteTolerance: Double = 1e-10
    /// Relative error tolerance per component.
    public var relativeTolerance: Double = 1e-10
    /// First trial step; nil picks 1e-6 of the first output interval.
    public var initialStep: Double? = nil
    /// When set, take steps of (at most) this size with no error control; the last step of each
    /// output interval is shortened so output times are hit exactly.
    public var fixedStep: Double? = nil
    /// Upper bound on accepted steps over the whole solve.
    public var maxSteps: Int = 10_000_000
    /// Upper bound on vector-field evaluations over the whole solve (nil: none), a safety net for what `maxSteps`
    /// cannot see: GSL retries a rejected step inside one call, so a step size that keeps shrinking (a stiff
    /// problem on an explicit stepper, an implicit stepper's failing Newton iteration) spends evaluations without
    /// ever completing a step. Running out ends the solve with `.maxStepsExceeded`.
    public var maxFunctionEvaluations: Int? = nil
    public var output: OutputTimes = .linear(count: 101)
    public var stopCondition: StopCondition? = nil
    /// The state is declared divergent when any |y_i| exceeds this bound (non-finite values always are).
    public var divergenceBound: Double = 1e15
    /// The state is also declared divergent when its Euclidean norm |y|_2 exceeds this bound (nil: no such check).
    public var divergenceNormBound: Double? = nil
    /// Record the full state at each output time.
    public var saveStates: Bool = true
    /// Scalar functions of the state recorded at each output time.
    public var observables: [StateFunction] = []
    /// Called after each output time is reached.
    public var progress: ((ODEProgress) -> Void)? = nil

    public init() {}

    /// The smallest nonzero relative tolerance accepted, 100 machine epsilons (about 2.2e-14): a step's error
    /// estimate carries round-off of a few epsilons relative to the state, so a stricter tolerance can never be met
    /// and the step size shrinks forever.
    public static let smallestRelativeTolerance = 100 * Double.ulpOfOne

    /// Checks the options on their own; `solve` also checks the absolute tolerance against the initial state.
    public func validate() throws {
        guard absoluteTolerance >= 0, relativeTolerance >= 0, absoluteTolerance + relativeTolerance > 0,
              absoluteTolerance.isFinite, relativeTolerance.isFinite else {
            throw NumericalError.invalidArgument("tolerances must be finite, non-negative and not both zero")
        }
        guard relativeTolerance == 0 || relativeTolerance >= Self.smallestRelativeTolerance else {
            throw NumericalError.invalidArgument(
                "the relative tolerance \(relativeTolerance) is below what double precision can meet; it must be 0 or at least 100 * machine epsilon = \(Self.smallestRelativeTolerance)")
        }
        if let e = maxFunctionEvaluations, e <= 0 { throw NumericalError.invalidArgument("maxFunctionEvaluations must be positive") }
        if let b = divergenceNormBound, !(b > 0) { throw NumericalError.invalidArgument("the divergence norm bound must be positive") }
        if let h = initialStep, !(h > 0 && h.isFinite) { throw NumericalError.invalidArgument("initial step must be positive, got \(h)") }
        if let h = fixedStep, !(h > 0 && h.isFinite) { throw NumericalError.invalidArgument("fixed step must be positive, got \(h)") }
        guard maxSteps > 0 else { throw NumericalError.invalidArgument("maxSteps must be positive") }
        guard divergenceBound > 0 else { throw NumericalError.invalidArgument("divergence bound must be positive") }
        if let s = stopCondition, !(s.timeTolerance > 0) {
            throw NumericalError.invalidArgument("stop-condition time tolerance must be positive")
        }
    }
}

/// Where a running solve stands, for progress lines.
public struct ODEProgress: Sendable {
    public let time: Double
    public let startTime: Double
    public let endTime: Double

    /// The share of [startTime, endTime] integrated so far.
    public var fraction: Double { endTime > startTime ? (time - startTime) / (endTime - startTime) : 1 }
}
