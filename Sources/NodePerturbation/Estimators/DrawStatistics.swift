import NumericalKit

/// Mean and spread of R Monte Carlo draws of a flattened estimate (e.g. vec(G_l-hat) of each draw), with
/// standard errors for both, so closed forms can be checked "within k standard errors".
///
/// The trace variance V = (1/(R-1)) sum_k |X_k - M|^2 is the mean of d_k = (R/(R-1)) |X_k - M|^2; its
/// standard error is sd(d_k)/sqrt(R) (delta method; estimating M adds only O(1/R) to it).
public struct DrawStatistics: Sendable {
    public let draws: Int
    /// M = (1/R) sum_k X_k.
    public let mean: [Double]
    /// Per-entry standard error of the mean, sd_j / sqrt(R).
    public let standardErrors: [Double]
    /// V = (1/(R-1)) sum_k |X_k - M|^2, the trace of the sample covariance.
    public let traceVariance: Double
    /// Standard error of `traceVariance`.
    public let traceVarianceStandardError: Double

    /// Summarises `draws` (each of the same length). Throws for fewer than 2 draws.
    public init(_ draws: [[Double]], keepDraws: Bool = false) throws {
        guard draws.count >= 2 else { throw ParameterError("variance statistics need R >= 2 draws, got \(draws.count)") }
        let d = draws[0].count
        guard draws.allSatisfy({ $0.count == d }) else { throw ParameterError("draws must have equal length") }
        let r = Double(draws.count)
        var mean = [Double](repeating: 0, count: d)
        for x in draws { for j in 0..<d { mean[j] += x[j] } }
        for j in 0..<d { mean[j] /= r }
        var squares = [Double](repeating: 0, count: d)
        var deviations = [Double]()
        deviations.reserveCapacity(draws.count)
        for x in draws {
            var s = 0.0
            for j in 0..<d { let e = x[j] - mean[j]; squares[j] += e * e; s += e * e }
            deviations.append(s * r / (r - 1))
        }
        self.draws = draws.count
        storedDraws = keepDraws ? draws : nil
        self.mean = mean
        standardErrors = squares.map { ($0 / (r - 1) / r).squareRoot() }
        let summary = try SampleSummary(deviations)
        traceVariance = summary.mean
        traceVarianceStandardError = summary.standardError
    }

    /// The draws themselves (R x d), kept only when asked for (`keepDraws`), for covariance-aware tests.
    public let storedDraws: [[Double]]?

    /// Hotelling's statistic T^2 = R (M - E)^T S^-1 (M - E) with S the sample covariance of the draws: about
    /// chi-square with d degrees of freedom when E is the true mean and R >> d. Unlike a sum of per-entry
    /// z^2 it accounts for the strong correlations between entries of an NP estimate (Cov(g-hat) =
    /// |g|^2 I + g g^T, shared presynaptic factors). Needs the stored draws and a non-singular S (for NP,
    /// B >= n_{l-1}: otherwise every draw lies in the span of the B inputs). Returns (T^2, d).
    public func hotelling(against expected: [Double]) throws -> (value: Double, degreesOfFreedom: Int) {
        guard let draws = storedDraws else {
            throw ParameterError("Hotelling's statistic needs the draws (keepDraws: true)")
        }
        let d = mean.count
        guard expected.count == d else { throw ParameterError("expected mean has length \(expected.count), not \(d)") }
        let r = draws.count
        guard r > d else { throw ParameterError("Hotelling's statistic needs more draws (\(r)) than entries (\(d))") }
        var centred = Matrix(rows: r, columns: d)
        for k in 0..<r { for j in 0..<d { centred[k, j] = draws[k][j] - mean[j] } }
        var covariance = centred.gram
        for k in covariance.elements.indices { covariance.elements[k] /= Double(r - 1) }
        let deviation = zip(mean, expected).map { $0 - $1 }
        let solved: [Double]
        do { solved = try covariance.solvePositiveDefinite(deviation) } catch {
            throw ParameterError("the sample covariance of the draws is singular (\(error))")
        }
        return (Double(r) * Vector.dot(deviation, solved), d)
    }
}
