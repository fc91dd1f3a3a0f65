import NumericalKit

/// The discrete protocol's update for a linear network (hidden and output identity), through u = W2 W1 (1 x M)
/// instead of per-sample hidden activations.
///
/// For a minibatch X_b of B samples the error is e = u X_b^T - y_b and, with g = e X_b / B (1 x M), the rule's
/// pseudo-gradient is g1 = F^T g (N x M, rank one; F = W2 for backpropagation, the feedback vector for feedback
/// alignment) and g2 = W1 g^T. The sign mask of W1 is an outer product r c^T in both flip conventions
/// (`SignMatrices.factoredMask1`), so the masked update stays rank one:
///
///     W1 -= eta_eff (r * F)^T (c * g),     W2 -= eta_eff s2 * (W1 g^T)    (W1 before its update),
///
/// O(NM + MB) per minibatch instead of the per-sample path's O(NMB). One pass over the rows of W1 does it all: row
/// i gives (W1 g)_i, hence the new W2_i, then is updated in place while its contribution W2_i W1[i, :] to the new
/// u and its squared norm are accumulated. u is thus recomputed from the weights at every step (no incremental
/// drift). Rows go in pairs, so that g, the column step and u are loaded once per two rows.
///
/// The norm constraint's rescaling W1 *= f1, W2 *= f2 costs O(M) here: u *= f1 f2, W2's factor is applied by the next
/// pass, and W1 is kept as scale1 * (stored W1), the pass updating the stored rows by the step over scale1;
/// `materialize` (at the end of every epoch) multiplies the factors in.
///
/// Full batch (B = P): g = e X / P comes from the sufficient statistics (`LinearSufficientStatistics`, O(M^2)), so
/// an epoch is O(NM + M^2) whatever P. The update does not depend on the sample order then, so no permutation is
/// drawn: the shuffle stream is private to the run and nothing else reads it, so skipping its draws changes no
/// result (only the rounding of the per-sample path's sums depends on the order).
///
/// Not thread-safe: one instance per run. It writes theta = [vec(W1), W2] in place (the caller owns the buffer).
final class LinearDiscreteUpdate: DiscreteUpdate {
    private let n: Int, m: Int, p: Int
    private let etaEff: Double
    private let theta: UnsafeMutablePointer<Double>
    private let rowSigns: UnsafeMutablePointer<Double>     // r (N)
    private let columnSigns: UnsafeMutablePointer<Double>  // c (M)
    private let outputSteps: UnsafeMutablePointer<Double>  // eta_eff * s2 (N)
    private let feedback: UnsafeMutablePointer<Double>?    // N values; nil: backpropagation through W2
    private let u: UnsafeMutablePointer<Double>            // W2 W1 of the current (rescaled) weights
    private let g: UnsafeMutablePointer<Double>            // e X_b / B
    private let columnStep: UnsafeMutablePointer<Double>   // eta_eff * c * g / scale1
    private let inputs: UnsafeMutablePointer<Double>       // P x M (minibatches only)
    private let targets: UnsafeMutablePointer<Double>      // P (minibatches only)
    private let order: UnsafeMutablePointer<Int>           // this epoch's permutation (minibatches only)
    /// The full-batch statistics; nil for minibatches.
    private let statistics: LinearSufficientStatistics?
    /// W1 = scale1 * (the stored W1): the norm constraint's rescaling of W1 stays a scalar until `materialize`.
    private var scale1 = 1.0
    /// A rescaling of W2 not yet applied (the next pass applies it).
    private var pending2 = 1.0

    /// The update for `problem` (which must be linear) with minibatches of `batchSize` <= P samples.
    init(problem: TrainingProblem, theta: UnsafeMutablePointer<Double>, etaEff: Double, batchSize: Int) {
        precondition(problem.activation.isLinear, "the rank-one update needs a linear network")
        let shape = problem.shape
        let train = problem.data.train
        (n, m, p) = (shape.hidden, shape.inputs, train.count)
        precondition(batchSize >= 1 && batchSize <= p)
        self.etaEff = etaEff
        self.theta = theta
        func buffer(_ values: [Double]) -> UnsafeMutablePointer<Double> {
            let b = UnsafeMutablePointer<Double>.allocate(capacity: values.count)
            b.initialize(from: values, count: values.count)
            return b
        }
        let (r, c) = problem.signs.factoredMask1(shape)
        rowSigns = buffer(r)
        columnSigns = buffer(c)
        outputSteps = buffer(problem.signs.mask2(shape).map { etaEff * $0 })
        feedback = problem.feedback.map(buffer)
        u = .allocate(capacity: m)
        g = .allocate(capacity: m)
        columnStep = .allocate(capacity: m)
        statistics = batchSize == p ? LinearSufficientStatistics(train) : nil
        // Full batch reads the data only through the statistics: no copy of the samples.
        inputs = buffer(statistics == nil ? train.inputs.elements : [])
        targets = buffer(statistics == nil ? train.targets : [])
        order = .allocate(capacity: p)
        for i in 0..<p { order[i] = i }
        BLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, theta, theta + n * m, beta: 0, u)
    }

    deinit {
        for b in [rowSigns, columnSigns, outputSteps, u, g, columnStep, inputs, targets] { b.deallocate() }
        feedback?.deallocate()
        order.deallocate()
    }

    func beginEpoch(shuffle stream: RandomStream) {
        if statistics == nil { drawPermutation(order, count: p, from: stream) }
    }

    func step(offset: Int, count: Int) -> (squares1: Double, squares2: Double) {
        if let statistics {
            statistics.gradient(u: u, into: g)
        } else {
            minibatchGradient(offset: offset, count: count)
        }
        return descend()
    }

    func rescale(_ f1: Double, _ f2: Double) {
        scale1 *= f1
        pending2 = f2
        let f = f1 * f2
        for j in 0..<m { u[j] *= f }
    }

    func materialize() {
        guard scale1 != 1 || pending2 != 1 else { return }
        let nm = n * m
        for k in 0..<nm { theta[k] *= scale1 }
        for k in nm..<(nm + n) { theta[k] *= pending2 }
        scale1 = 1
        pending2 = 1
    }

    /// g = e X_b / B over the samples order[offset ..< offset + count], e_p = u x_p - y_p.
    private func minibatchGradient(offset: Int, count: Int) {
        g.update(repeating: 0, count: m)
        for q in offset..<(offset + count) {
            let s = order[q]
            let x = UnsafePointer(inputs + s * m)
            let e = dot(u, x, m) - targets[s]
            axpy(e, x, g, m)
        }
        let scale = 1 / Double(count)
        for j in 0..<m { g[j] *= scale }
    }

    /// The fused pass: W2 and W1 updated, u recomputed, the squared norms returned.
    private func descend() -> (squares1: Double, squares2: Double) {
        let (s1, f2) = (scale1, pending2)
        pending2 = 1
        // W1 = s1 W1s: W1 - a (eta_eff c * g) = s1 (W1s - a (eta_eff c * g) / s1).
        let step = etaEff / s1
        for j in 0..<m {
            columnStep[j] = step * columnSigns[j] * g[j]
            u[j] = 0
        }
        let w2 = theta + n * m
        var squares1 = 0.0, squares2 = 0.0
        /// Row i's new W2_i (from (W1 g)_i = s1 (W1s g)_i) and its W1 coefficient a_i = r_i F_i.
        @inline(__always) func readout(_ i: Int, _ dot: Double) -> (new: Double, a: Double) {
            let old = w2[i] * f2
            let new = old - outputSteps[i] * (s1 * dot)
            w2[i] = new
            squares2 += new * new
            return (new, rowSigns[i] * (feedback?[i] ?? old))
        }
        var i = 0
        while i + 2 <= n {
            let row = theta + i * m
            let (dot0, dot1) = dots(row, row + m, g, m)
            let (r0, r1) = (readout(i, dot0), readout(i + 1, dot1))
            squares1 += updateRows(row, r0.a, r0.new, row + m, r1.a, r1.new, columnStep, u, m)
            i += 2
        }
        if i < n {
            let row = theta + i * m
            let r = readout(i, dot(row, g, m))  // the odd last row
            squares1 += updateRow(row, r.a, r.new, columnStep, u, m)
        }
        for j in 0..<m { u[j] *= s1 }
        return (s1 * s1 * squares1, squares2)
    }
}

// Explicit SIMD: the compiler may not reorder floating-point sums, so reductions need their own partial sums.
// Eight-wide for the read-only dot products; four-wide for the in-place row update, whose two rows, partial sums
// and u would not fit the registers eight-wide.
@inline(__always) private func load8(_ p: UnsafePointer<Double>) -> SIMD8<Double> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self) }
@inline(__always) private func store8(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
}
@inline(__always) private func load4(_ p: UnsafePointer<Double>) -> SIMD4<Double> { UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Double>.self) }
@inline(__always) private func store4(_ v: SIMD4<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD4<Double>.self)
}

/// x . y over `count` entries.
@inline(__always)
private func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
    var sums = SIMD8<Double>(repeating: 0)
    var k = 0
    while k + 8 <= count {
        sums += load8(x + k) * load8(y + k)
        k += 8
    }
    var total = sums.sum()
    while k < count {
        total += x[k] * y[k]
        k += 1
    }
    return total
}

/// (row0 . g, row1 . g) over `count` entries.
@inline(__always)
private func dots(_ row0: UnsafePointer<Double>, _ row1: UnsafePointer<Double>, _ g: UnsafePointer<Double>, _ count: Int) -> (Double, Double) {
    var sums0 = SIMD8<Double>(repeating: 0), sums1 = SIMD8<Double>(repeating: 0)
    var k = 0
    while k + 8 <= count {
        let x = load8(g + k)
        sums0 += load8(row0 + k) * x
        sums1 += load8(row1 + k) * x
        k += 8
    }
    var (total0, total1) = (sums0.sum(), sums1.sum())
    while k < count {
        total0 += row0[k] * g[k]
        total1 += row1[k] * g[k]
        k += 1
    }
    return (total0, total1)
}

/// row0 -= a0 step, row1 -= a1 step, then u += c0 row0 + c1 row1 with the updated rows; returns their squared norm.
@inline(__always)
private func updateRows(_ row0: UnsafeMutablePointer<Double>, _ a0: Double, _ c0: Double, _ row1: UnsafeMutablePointer<Double>,
                        _ a1: Double, _ c1: Double, _ step: UnsafePointer<Double>, _ u: UnsafeMutablePointer<Double>,
                        _ count: Int) -> Double {
    var squares0 = SIMD4<Double>(repeating: 0), squares1 = SIMD4<Double>(repeating: 0)
    var k = 0
    while k + 4 <= count {
        let s = load4(step + k)
        let v0 = load4(row0 + k) - a0 * s
        let v1 = load4(row1 + k) - a1 * s
        store4(v0, row0 + k)
        store4(v1, row1 + k)
        squares0 += v0 * v0
        squares1 += v1 * v1
        var x = load4(u + k)
        x += c0 * v0
        x += c1 * v1
        store4(x, u + k)
        k += 4
    }
    var total = (squares0 + squares1).sum()
    while k < count {
        let v0 = row0[k] - a0 * step[k], v1 = row1[k] - a1 * step[k]
        row0[k] = v0
        row1[k] = v1
        total += v0 * v0 + v1 * v1
        u[k] += c0 * v0 + c1 * v1
        k += 1
    }
    return total
}

/// row -= a step, then u += c row with the updated row; returns its squared norm.
@inline(__always)
private func updateRow(_ row: UnsafeMutablePointer<Double>, _ a: Double, _ c: Double, _ step: UnsafePointer<Double>,
                       _ u: UnsafeMutablePointer<Double>, _ count: Int) -> Double {
    var total = 0.0
    for k in 0..<count {
        let v = row[k] - a * step[k]
        row[k] = v
        total += v * v
        u[k] += c * v
    }
    return total
}

/// y += a x over `count` entries.
@inline(__always)
private func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ count: Int) {
    var k = 0
    while k + 8 <= count {
        store8(load8(y + k) + a * load8(x + k), y + k)
        k += 8
    }
    while k < count {
        y[k] += a * x[k]
        k += 1
    }
}
