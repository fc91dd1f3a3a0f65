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
/// drift). The norm constraint's rescaling W1 *= f1, W2 *= f2 is deferred into the next pass (the pass reads
/// f1 * W1, the same product the eager rescaling stores) and u *= f1 f2; `materialize` applies a pending rescaling.
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
    private let columnStep: UnsafeMutablePointer<Double>   // eta_eff * c * g
    private let inputs: UnsafeMutablePointer<Double>       // P x M
    private let targets: UnsafeMutablePointer<Double>      // P
    private let order: UnsafeMutablePointer<Int>           // this epoch's permutation (minibatches only)
    /// The full-batch statistics; nil for minibatches.
    private let statistics: LinearSufficientStatistics?
    /// Rescaling factors not yet applied to theta.
    private var pending1 = 1.0, pending2 = 1.0

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
        inputs = buffer(train.inputs.elements)
        targets = buffer(train.targets)
        order = .allocate(capacity: p)
        for i in 0..<p { order[i] = i }
        statistics = batchSize == p ? LinearSufficientStatistics(train) : nil
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
        pending1 = f1
        pending2 = f2
        let f = f1 * f2
        for j in 0..<m { u[j] *= f }
    }

    func materialize() {
        guard pending1 != 1 || pending2 != 1 else { return }
        let nm = n * m
        for k in 0..<nm { theta[k] *= pending1 }
        for k in nm..<(nm + n) { theta[k] *= pending2 }
        pending1 = 1
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

    /// The fused pass: W2 and W1 updated (a pending rescaling applied first), u recomputed, squared norms returned.
    private func descend() -> (squares1: Double, squares2: Double) {
        let (f1, f2) = (pending1, pending2)
        pending1 = 1
        pending2 = 1
        for j in 0..<m {
            columnStep[j] = etaEff * columnSigns[j] * g[j]
            u[j] = 0
        }
        let w2 = theta + n * m
        let chunked = m - m % 8
        var squares1 = SIMD8<Double>(repeating: 0)
        var squares1Tail = 0.0, squares2 = 0.0
        for i in 0..<n {
            let row = theta + i * m
            // (W1 g)_i with the rescaled row.
            var dots = SIMD8<Double>(repeating: 0)
            var j = 0
            while j < chunked {
                dots += load(row + j) * f1 * load(g + j)
                j += 8
            }
            var z = dots.sum()
            while j < m {
                z += row[j] * f1 * g[j]
                j += 1
            }
            let old2 = w2[i] * f2
            let a = rowSigns[i] * (feedback?[i] ?? old2)
            let new2 = old2 - outputSteps[i] * z
            w2[i] = new2
            squares2 += new2 * new2
            // W1[i, :] = f1 W1[i, :] - a (eta_eff c * g); u += W2_i W1[i, :].
            j = 0
            while j < chunked {
                let v = load(row + j) * f1 - a * load(columnStep + j)
                store(v, row + j)
                squares1 += v * v
                store(load(u + j) + new2 * v, u + j)
                j += 8
            }
            while j < m {
                let v = row[j] * f1 - a * columnStep[j]
                row[j] = v
                squares1Tail += v * v
                u[j] += new2 * v
                j += 1
            }
        }
        return (squares1.sum() + squares1Tail, squares2)
    }
}

extension SignMatrices {
    /// The W1 mask as an outer product r c^T (r: N values over hidden rows, c: M values over input columns):
    /// column convention r = 1, c = d1; row convention r = d1, c = 1. `mask1` is its row-major expansion.
    public func factoredMask1(_ shape: NetworkShape) -> (rows: [Double], columns: [Double]) {
        switch convention {
        case .column: (Array(repeating: 1, count: shape.hidden), d1)
        case .row: (d1, Array(repeating: 1, count: shape.inputs))
        }
    }
}

@inline(__always) private func load(_ p: UnsafePointer<Double>) -> SIMD8<Double> { UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Double>.self) }
@inline(__always) private func load(_ p: UnsafeMutablePointer<Double>) -> SIMD8<Double> { load(UnsafePointer(p)) }
@inline(__always) private func store(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Double>.self)
}

/// x . y over `count` entries, eight partial sums.
@inline(__always)
private func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double {
    var sums = SIMD8<Double>(repeating: 0)
    var k = 0
    while k + 8 <= count {
        sums += load(x + k) * load(y + k)
        k += 8
    }
    var total = sums.sum()
    while k < count {
        total += x[k] * y[k]
        k += 1
    }
    return total
}
@inline(__always)
private func dot(_ x: UnsafeMutablePointer<Double>, _ y: UnsafePointer<Double>, _ count: Int) -> Double { dot(UnsafePointer(x), y, count) }

/// y += a x over `count` entries.
@inline(__always)
private func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ count: Int) {
    var k = 0
    while k + 8 <= count {
        store(load(y + k) + a * load(x + k), y + k)
        k += 8
    }
    while k < count {
        y[k] += a * x[k]
        k += 1
    }
}
