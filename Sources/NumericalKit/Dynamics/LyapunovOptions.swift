/// How a Lyapunov spectrum is measured: the transient, the measurement time split into segments, the
/// re-orthonormalisation interval and the integration tolerances.
public struct LyapunovOptions {
    /// Integrated first and not measured (the tangent vectors are still evolved and re-orthonormalised, so they
    /// have settled onto the leading directions when the measurement starts).
    public var transientTime: Double = 0
    /// The measured time after the transient, split into `segmentCount` segments of equal length.
    public var measurementTime: Double
    /// The target interval tau between re-orthonormalisations; the solver uses the nearest interval that divides a
    /// segment into whole intervals (`LyapunovSpectrum.interval`).
    public var renormalizationInterval: Double = 1
    /// Consecutive segments whose exponents give the standard error and confidence interval (at least 2).
    public var segmentCount: Int = 10
    /// The two-sided confidence level of `LyapunovSpectrum.confidenceHalfWidths` (Student t over segments).
    public var confidenceLevel: Double = 0.95
    public var absoluteTolerance: Double = 1e-9
    public var relativeTolerance: Double = 1e-9
    /// Upper bound on the points of the running estimate that are kept (evenly thinned).
    public var maxRecordedPoints: Int = 400
    /// Called after each re-orthonormalisation with the time reached (transient included).
    public var progress: ((ODEProgress) -> Void)? = nil

    public init(measurementTime: Double) {
        self.measurementTime = measurementTime
    }

    public func validate() throws {
        guard measurementTime > 0, measurementTime.isFinite else {
            throw NumericalError.invalidArgument("the measurement time must be positive and finite, got \(measurementTime)")
        }
        guard transientTime >= 0, transientTime.isFinite else {
            throw NumericalError.invalidArgument("the transient time must be non-negative and finite, got \(transientTime)")
        }
        guard renormalizationInterval > 0, renormalizationInterval.isFinite else {
            throw NumericalError.invalidArgument("the re-orthonormalisation interval must be positive and finite, got \(renormalizationInterval)")
        }
        guard segmentCount >= 2 else { throw NumericalError.invalidArgument("a confidence interval needs at least 2 segments, got \(segmentCount)") }
        guard confidenceLevel > 0, confidenceLevel < 1 else {
            throw NumericalError.invalidArgument("the confidence level must lie in (0, 1), got \(confidenceLevel)")
        }
        guard maxRecordedPoints >= 2 else { throw NumericalError.invalidArgument("keep at least 2 points of the running estimate") }
    }
}
