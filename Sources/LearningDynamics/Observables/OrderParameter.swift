/// The q order parameter of the reference's Fig3b (curl-descent.md 5.1): how much the weights still move over a
/// late time window, relative to how spread out their time means are. q ≈ 0 when the weights converge, q > 0 for
/// persistent (chaotic) motion.
public enum OrderParameter {
    /// q = mean_{i,t} (w_i(t) - w̄_i)^2 / Var_i(w̄_i) over a window of weight vectors (one `[Double]` per time,
    /// e.g. [vec(W1) row-major, W2] over the last 999 epochs), w̄_i being the time mean of component i.
    ///
    /// Follows the reference's numpy step for step: NaN entries are skipped in every mean (nanmean, and nanvar
    /// with the population denominator for Var_i); the centred weights are centred a second time, which cancels
    /// the round-off of the first pass (a constant trajectory gives exactly 0). Equal time means give 0/0 = NaN
    /// or x/0 = infinity, as numpy would. Throws on an empty window or vectors of different lengths.
    public static func q(window: [[Double]]) throws -> Double {
        guard let first = window.first, !first.isEmpty else {
            throw ParameterError("the q order parameter needs at least one non-empty weight vector")
        }
        let components = first.count
        guard window.allSatisfy({ $0.count == components }) else {
            throw ParameterError("every weight vector in the q window must have \(components) components")
        }
        let timeMeans = (0..<components).map { i in nanMean(window.lazy.map { $0[i] }) }
        var centred = window.map { w in (0..<components).map { i in w[i] - timeMeans[i] } }
        let residualMeans = (0..<components).map { i in nanMean(centred.lazy.map { $0[i] }) }
        for t in centred.indices {
            for i in 0..<components { centred[t][i] -= residualMeans[i] }
        }
        let meanSquare = nanMean(centred.lazy.flatMap { $0 }.map { $0 * $0 })
        let spreadMean = nanMean(timeMeans)
        let spread = nanMean(timeMeans.map { ($0 - spreadMean) * ($0 - spreadMean) })
        return meanSquare / spread
    }

    /// Mean of the non-NaN values (NaN when there are none), as numpy's nanmean.
    private static func nanMean<S: Sequence<Double>>(_ values: S) -> Double {
        var sum = 0.0, count = 0
        for v in values where !v.isNaN {
            sum += v
            count += 1
        }
        return count > 0 ? sum / Double(count) : .nan
    }
}
