import NumericalKit

/// Projectors enter the formulas through the projected presynaptic rows P_b x_b (B x m): for one P for all
/// samples pass `projector.apply(x)` (any `PresynapticProjector`), for per-sample P_b build the rows directly.
/// P = I is `projected = x` (the default).

/// Closed-form variances of the NP (and WP) estimators, loco.md sections 2.3 and 5.1.
///
/// All but `outputLayerNodeVariance` linearise delta L = sum_m g_m^T xi_m, so they hold to leading order in
/// sigma (corrections O(sigma^2), from the second-order terms of delta L); they are exact for Gaussian noise
/// otherwise. "Node variance" v = E|g-hat - g|^2 is per sample; the minibatch weight-space variance with
/// independent noise per sample is (1/B^2) sum_b v_b |P_b x_b|^2.
public enum NPVariance {
    /// E|g-hat - g|^2 = (n + 1)|g|^2: one layer of width n perturbed at the pre-activation, linearised.
    public static func singleLayerNodeVariance(_ g: [Double]) -> Double {
        Double(g.count + 1) * Vector.dot(g, g)
    }

    /// E|g-hat_l - g_l|^2 = n_l sum_m |g_m|^2 + |g_l|^2 when every layer is perturbed at the pre-activation
    /// (`g[m]` is g_m of one sample, for all perturbed layers m; one layer alone gives (n + 1)|g|^2, and with the
    /// presynaptic factor E|G-hat - G|^2 = v |x|^2 per sample).
    public static func allLayersNodeVariance(layer l: Int, g: [[Double]]) -> Double {
        let total = g.reduce(0) { $0 + Vector.dot($1, $1) }
        return Double(g[l].count) * total + Vector.dot(g[l], g[l])
    }

    /// Exact E|g-hat - g|^2 = (n + 1)|g|^2 + sigma^2 n(n + 2)(n + 4)/4 when only the (linear) output layer of
    /// width n is perturbed (delta L = g^T xi + 1/2 |xi|^2 exactly), one-sided difference, any sigma.
    public static func outputLayerNodeVariance(_ g: [Double], sigma: Double) -> Double {
        let n = Double(g.count)
        return (n + 1) * Vector.dot(g, g) + sigma * sigma * n * (n + 2) * (n + 4) / 4
    }

    /// Activity noise (h_l <- f(a_l) + xi_l, g-hat_l = (delta L / sigma^2) xi_l * f'(a_l)), linearised:
    /// E|g-hat_l - g_l|^2 = |f'(a_l)|^2 sum_m |u_m|^2 + |g_l|^2, u_m = dL/dh_m over the perturbed layers m.
    /// With f' = 1 and u = g this is the pre-activation formula. (Our derivation, not in loco.md; checked by
    /// Monte Carlo in the tests.)
    public static func activityNodeVariance(layer l: Int, slope: [Double], u: [[Double]], perturbed: [Int], g: [Double]) -> Double {
        let total = perturbed.reduce(0) { $0 + Vector.dot(u[$1], u[$1]) }
        return Vector.dot(slope, slope) * total + Vector.dot(g, g)
    }

    /// Per-sample v_b = E|g-hat_{l,b} - g_{l,b}|^2 of layer l from backpropagation, for pre-activation noise
    /// on `layers` (linearised; one-sided and antithetic agree at this order). With `oneSidedSigma` given and
    /// only the (linear) output layer perturbed, the exact one-sided value `outputLayerNodeVariance` instead.
    public static func nodeVariances(layer l: Int, layers: PerturbedLayers, backprop: Backpropagation,
                                     oneSidedSigma: Double? = nil) throws -> [Double] {
        let perturbed = try layers.indices(layerCount: backprop.nodeGradients.count)
        guard perturbed.contains(l) else { throw ParameterError("layer \(l) is not perturbed") }
        let g = backprop.nodeGradients
        if let sigma = oneSidedSigma, perturbed == [g.count - 1] {
            return (0..<g[l].rows).map { outputLayerNodeVariance(g[l].row($0), sigma: sigma) }
        }
        let slot = perturbed.firstIndex(of: l)!
        return (0..<g[l].rows).map { b in allLayersNodeVariance(layer: slot, g: perturbed.map { g[$0].row(b) }) }
    }

    /// tr Cov(G-hat) = (1/B^2) sum_b v_b |P_b x_b|^2 for the minibatch estimate with independent noise per
    /// sample; `presynaptic` holds x_b in its rows.
    public static func weightTraceVariance(nodeVariances v: [Double], presynaptic x: Matrix, projected: Matrix? = nil) -> Double {
        let px = projected ?? x
        precondition(v.count == x.rows && px.rows == x.rows)
        let b = Double(x.rows)
        return (0..<x.rows).reduce(0.0) { s, i in let r = px.row(i); return s + v[i] * Vector.dot(r, r) } / (b * b)
    }

    /// The same with one projector for every sample.
    public static func weightTraceVariance(nodeVariances v: [Double], presynaptic x: Matrix, projector: any PresynapticProjector) -> Double {
        weightTraceVariance(nodeVariances: v, presynaptic: x, projected: projector.apply(x))
    }

    /// V_w(P) / V_w(I) = sum_b v_b |P_b x_b|^2 / sum_b v_b |x_b|^2 (= |Px|^2/|x|^2 for one sample);
    /// `projected` holds the rows P_b x_b.
    public static func projectionRatio(nodeVariances v: [Double], presynaptic x: Matrix, projected: Matrix) -> Double {
        weightTraceVariance(nodeVariances: v, presynaptic: x, projected: projected)
            / weightTraceVariance(nodeVariances: v, presynaptic: x)
    }

    /// Function-space variance V_fn = (1/B^2) sum_b v_b mean_e (x'_e^T P_b x_b)^2 over evaluation inputs x'_e
    /// (rows of `evaluation`; `projected` the rows P_b x_b, nil for P = I): E mean_e |(G-hat - E G-hat) x'_e|^2.
    public static func functionSpaceVariance(nodeVariances v: [Double], presynaptic x: Matrix, evaluation: Matrix,
                                             projected: Matrix? = nil) -> Double {
        let px = projected ?? x
        precondition(v.count == x.rows && px.rows == x.rows && evaluation.columns == x.columns)
        var overlaps = Matrix(rows: evaluation.rows, columns: x.rows)  // x'_e^T P_b x_b
        Matrix.gemm(evaluation, px, transposeB: true, into: &overlaps)
        let b = Double(x.rows)
        var total = 0.0
        for i in 0..<x.rows {
            var s = 0.0
            for e in 0..<evaluation.rows { s += overlaps[e, i] * overlaps[e, i] }
            total += v[i] * s / Double(evaluation.rows)
        }
        return total / (b * b)
    }

    /// WP: E|G-hat_l - G_l|^2 = N_l sum_m |G_m|^2 + |G_l|^2 with N_l = n_l n_{l-1} weights (one layer perturbed:
    /// pass only that layer's gradient, giving (N + 1)|G|^2), linearised.
    public static func weightPerturbationVariance(layer l: Int, gradients: [Matrix]) -> Double {
        let total = gradients.reduce(0) { $0 + Vector.dot($1.elements, $1.elements) }
        return Double(gradients[l].elements.count) * total + Vector.dot(gradients[l].elements, gradients[l].elements)
    }
}
