/// The result of a Lyapunov solve: the exponents with their spread over segments, the running estimate against
/// time (the convergence diagnostic), how the integration ended and what it cost.
public struct LyapunovSpectrum {
    /// The exponents over the whole measured time, in the order of the tangent vectors (Benettin's method sorts
    /// them: the first is the largest).
    public var exponents: [Double] = []
    /// `segmentExponents[s][i]`: exponent i measured over segment s alone (consecutive, equal lengths; only
    /// segments that were completed).
    public var segmentExponents: [[Double]] = []
    /// The standard error of each exponent: the standard deviation of its segment values over sqrt(segments).
    /// Consecutive segments of one trajectory are treated as independent (batch means), which holds when a segment
    /// is much longer than the correlation time of the local expansion rates.
    public var standardErrors: [Double] = []
    /// Half-widths of the two-sided confidence intervals, Student t with segments - 1 degrees of freedom.
    public var confidenceHalfWidths: [Double] = []
    /// The confidence level of `confidenceHalfWidths`.
    public var confidenceLevel: Double = 0.95
    /// Times since the end of the transient at which the running estimate was recorded.
    public var runningTimes: [Double] = []
    /// `runningEstimates[r][i]`: exponent i averaged from the end of the transient up to `runningTimes[r]`.
    public var runningEstimates: [[Double]] = []
    /// The interval actually used between re-orthonormalisations.
    public var interval: Double = 0
    /// The time over which the exponents were measured (the measurement time unless the integration stopped early).
    public var measuredTime: Double = 0
    public var status: ODEStatus = .completed
    /// Summed over all intervals (the state and tangents count as one augmented system of n (k + 1) equations).
    public var statistics = ODEStatistics()
    public var finalTime: Double = 0
    public var finalState: [Double] = []
    /// The orthonormal tangent vectors at `finalTime`, one after another.
    public var finalTangents: [Double] = []
    public var stepperName: String = ""

    /// The sum of the exponents: the mean growth rate of k-dimensional volumes (for k = n, the time average of the
    /// Jacobian's trace).
    public var sum: Double { exponents.reduce(0, +) }
}
