import Foundation
import NumericalKit

/// The estimator study of loco.md section 5.3 on the clustered task of section 7: for a fixed linear student
/// W (n_out x n) and one cluster-pure minibatch, R node-perturbation draws shared by every variant (common
/// random numbers), each variant projecting the presynaptic factor with its own P.
public struct VarianceStudy: Sendable {
    /// One projection variant's statistics over the draws.
    public struct Variant: Sendable {
        public let name: String
        /// E|G-hat - M|^2 (trace variance) and its standard error.
        public let weightVariance: Double
        public let weightVarianceError: Double
        /// E mean_e |(G-hat - M) x'_e|^2 over the evaluation inputs.
        public let functionVariance: Double
        /// cos(M, G_BP): how well the mean points along the true gradient.
        public let cosine: Double
        /// |M - G_BP P| / |G_BP|: the bias against the projected true gradient (O(sigma^2) + Monte Carlo error).
        public let relativeBias: Double
        /// V_w / V_w(NP) and V_fn / V_fn(NP), with 95% confidence half-widths (batch means over the draws).
        public let weightRatio: Double
        public let weightRatioHalfWidth: Double
        public let functionRatio: Double
        public let functionRatioHalfWidth: Double
        /// The closed forms (loco.md 5.1): sum_b v_b |P x_b|^2 / sum_b v_b |x_b|^2, and V_w, V_fn themselves.
        public let predictedWeightRatio: Double
        public let predictedWeightVariance: Double
        public let predictedFunctionVariance: Double
        /// mean_b |P x_b|^2 / |x_b|^2.
        public let keptInputFraction: Double
    }

    public let variants: [Variant]
    public let draws: Int
    public let cluster: Int

    /// Runs the study. `projectors` pairs names with projectors for the batch (built by the caller); the first
    /// must be plain NP (the identity) since ratios are taken against it.
    public init(task: ClusteredTask, student: Matrix, batch x: Matrix, cluster: Int, evaluation: Matrix,
                projectors: [(String, any PresynapticProjector)], sigma: Double, draws: Int, seed: UInt64, threads: Int = 2) throws {
        guard draws >= 20 else { throw PerturbationError.invalidArgument("the study needs at least 20 draws, got \(draws)") }
        guard sigma > 0, sigma.isFinite else { throw PerturbationError.invalidArgument("sigma must be positive, got \(sigma)") }
        guard !projectors.isEmpty else { throw PerturbationError.invalidArgument("no variants to study") }
        let network = try MLP(weights: [student], activations: [])
        let targets = task.targets(x)
        let backprop = try network.backpropagate(inputs: x, targets: targets)
        let gradient = backprop.weightGradients[0]
        let v = try NPVariance.nodeVariances(layer: 0, layers: .all, backprop: backprop)
        let estimator = try NodePerturbationEstimator(sigma: sigma)
        let projected = projectors.map { $0.1.apply(x) }
        // Per draw and variant: G-hat (flattened) and mean_e |G-hat x'_e|^2; memory draws x variants x n_out n.
        let perDraw = try parallelMap(draws, threads: threads) { k -> [([Double], Double)] in
            let estimate = try estimator.estimate(network: network, inputs: x, targets: targets, seed: seed, task: UInt64(k))
            return try projected.map { px in
                let g = try estimate.weightGradient(layer: 0, presynaptic: px)
                let moved = evaluation * g.transposed  // e x n_out: G-hat x'_e
                return (g.elements, moved.elements.reduce(0) { $0 + $1 * $1 } / Double(evaluation.rows))
            }
        }
        let groups = 20
        var results: [Variant] = []
        var reference: (w: [Double], f: [Double])? = nil
        for (i, (name, projector)) in projectors.enumerated() {
            let samples = perDraw.map { $0[i].0 }
            let count = samples[0].count
            var mean = [Double](repeating: 0, count: count)
            for s in samples { for j in 0..<count { mean[j] += s[j] / Double(draws) } }
            let deviations = samples.map { s in zip(s, mean).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } }
            let scale = Double(draws) / Double(draws - 1)
            let weightVariance = deviations.reduce(0, +) / Double(draws - 1)
            let weightError = (try SampleSummary(deviations.map { $0 * scale })).standardError
            let meanMatrix = Matrix(rows: gradient.rows, columns: gradient.columns, elements: mean)
            let meanMoved = (evaluation * meanMatrix.transposed).elements.reduce(0) { $0 + $1 * $1 } / Double(evaluation.rows)
            let functionVariance = (perDraw.reduce(0) { $0 + $1[i].1 } - Double(draws) * meanMoved) / Double(draws - 1)
            // Batch means over `groups` blocks of draws for the ratios' confidence intervals.
            let blockSize = draws / groups
            let blocks = (0..<groups).map { b -> (Double, Double) in
                let range = (b * blockSize)..<((b + 1) * blockSize)
                return (range.reduce(0) { $0 + deviations[$1] } / Double(blockSize), range.reduce(0) { $0 + perDraw[$1][i].1 } / Double(blockSize))
            }
            if reference == nil { reference = (blocks.map(\.0), blocks.map(\.1)) }
            let ratioStats = { (mine: [Double], base: [Double]) -> Double in
                let r = zip(mine, base).map { $0 / $1 }
                return 1.96 * ((try? SampleSummary(r))?.standardError ?? .nan)
            }
            let projectedGradient = projector.apply(gradient)
            let gNorm = gradient.frobeniusNorm
            let bias = Vector.norm(zip(mean, projectedGradient.elements).map { $0 - $1 }) / gNorm
            let cosine = Vector.dot(mean, gradient.elements) / (Vector.norm(mean) * gNorm)
            let keptFraction = (0..<x.rows).reduce(0.0) { $0 + pow(Vector.norm(projected[i].row($1)) / Vector.norm(x.row($1)), 2) } / Double(x.rows)
            results.append(Variant(
                name: name, weightVariance: weightVariance, weightVarianceError: weightError, functionVariance: functionVariance,
                cosine: cosine, relativeBias: bias,
                weightRatio: weightVariance / (results.first?.weightVariance ?? weightVariance),
                weightRatioHalfWidth: ratioStats(blocks.map(\.0), reference!.w),
                functionRatio: functionVariance / (results.first?.functionVariance ?? functionVariance),
                functionRatioHalfWidth: ratioStats(blocks.map(\.1), reference!.f),
                predictedWeightRatio: NPVariance.projectionRatio(nodeVariances: v, presynaptic: x, projected: projected[i]),
                predictedWeightVariance: NPVariance.weightTraceVariance(nodeVariances: v, presynaptic: x, projected: projected[i]),
                predictedFunctionVariance: NPVariance.functionSpaceVariance(nodeVariances: v, presynaptic: x, evaluation: evaluation, projected: projected[i]),
                keptInputFraction: keptFraction))
        }
        variants = results
        self.draws = draws
        self.cluster = cluster
    }
}
