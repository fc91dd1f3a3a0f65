import CGSL

/// Count, mean, spread and standard error of a sample: what repeated runs are reported as (mean ± std/sqrt(n)).
/// NaN entries propagate into every field (nothing is skipped).
public struct SampleSummary: Sendable {
    public let count: Int
    public let mean: Double
    /// Sample standard deviation, with the n - 1 (Bessel) denominator; NaN for a single value.
    public let standardDeviation: Double
    /// standardDeviation / sqrt(count); NaN for a single value.
    public let standardError: Double

    public init(_ values: [Double]) throws {
        guard !values.isEmpty else { throw NumericalError.invalidArgument("a sample summary needs at least one value") }
        let n = Double(values.count)
        count = values.count
        if values.allSatisfy({ $0 == values[0] }) {
            // A constant sample: report its value and zero spread exactly (summation would leave round-off).
            mean = values[0]
            standardDeviation = count > 1 ? 0 : .nan
        } else {
            let m = values.reduce(0, +) / n
            mean = m
            let squares = values.reduce(0) { $0 + ($1 - m) * ($1 - m) }
            standardDeviation = (squares / (n - 1)).squareRoot()  // n = 1 gives 0/0 = NaN
        }
        standardError = standardDeviation / n.squareRoot()
    }
}

/// Student's t distribution through GSL's CDFs.
public enum StudentT {
    /// Two-sided p-value P(|T| >= |t|) for T ~ t(ν), accurate far into the tail (GSL's upper tail, not 1 - CDF).
    /// Infinite t gives 0; NaN t, or ν that is not positive, gives NaN.
    public static func twoSidedPValue(t: Double, degreesOfFreedom nu: Double) -> Double {
        guard !t.isNaN, nu > 0 else { return .nan }
        if t.isInfinite { return 0 }
        GSL.prepare()
        return min(1, 2 * gsl_cdf_tdist_Q(abs(t), nu))
    }
}

/// Paired (related-samples) t-test of mean(a - b) = 0, the same statistic as scipy.stats.ttest_rel(a, b):
/// t = mean(d) / (sd(d) / sqrt(n)) with d = a - b, n - 1 degrees of freedom and a two-sided p-value.
/// t > 0 means a is larger on average.
public struct PairedTTest: Sendable {
    public let t: Double
    public let degreesOfFreedom: Int
    /// Two-sided p-value.
    public let pValue: Double
    /// mean(a - b).
    public let meanDifference: Double

    /// Throws unless a and b have the same length n >= 2. As scipy: if every difference is the same, t is
    /// ±infinity with p = 0, or NaN with p = NaN when that difference is 0; NaN entries make t and p NaN.
    public static func compute(_ a: [Double], _ b: [Double]) throws -> PairedTTest {
        guard a.count == b.count else {
            throw NumericalError.invalidArgument("a paired t-test needs samples of equal length, got \(a.count) and \(b.count)")
        }
        guard a.count >= 2 else { throw NumericalError.invalidArgument("a paired t-test needs at least 2 pairs, got \(a.count)") }
        let differences = zip(a, b).map { $0 - $1 }
        let summary = try SampleSummary(differences)
        let mean = summary.mean
        let t = mean / summary.standardError  // a zero spread gives +-inf, or NaN for a zero mean (IEEE), as scipy
        let df = a.count - 1
        return PairedTTest(t: t, degreesOfFreedom: df, pValue: StudentT.twoSidedPValue(t: t, degreesOfFreedom: Double(df)),
                           meanDifference: mean)
    }
}
