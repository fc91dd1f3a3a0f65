import NumericalKit

/// The full-batch flow's Jacobian applied to tangent vectors, J(theta) u, without building J (it has (NM + N)^2
/// entries and costs O(P (NM + N)^2) to fill; a product costs what a gradient does): the forward-mode derivative of
/// the field along u, in the notation of `FullBatchFlowJacobian.swift` (u = [vec(U1), u2], F = w2 or the feedback B):
///
///     da1 = U1 x,  dh = phi'(a1) da1,  da2 = u2 . h + w2 . dh,  de = psi'(a2) da2
///     dg2 = (1/P) sum_p (de_p h_p + e_p dh_p)
///     dg1 = (1/P) sum_p [(F de_p + dF e_p) phi'(a1_p) + F e_p phi''(a1_p) da1_p] x_p^T,   dF = u2 (backprop) or 0 (B)
///
/// then df = -S dg, and under the norm constraint, per block w (W1, then W2) with unprojected field f and
/// beta = w.f / |w|^2, the derivative of the projected field G = f - beta w:
///
///     dG = df - w (w.df + f.du - 2 beta w.du) / |w|^2 - beta du.
///
/// A linear network (phi = psi = identity) sees the data only through Sigma = X^T X / P and X^T y / P: with
/// s = W1^T w2 and r = (1/P) sum_p (s.x_p - y_p) x_p (taken relative to an anchor s0 as r = Sigma (s - s0) + r0,
/// r0 summed per sample, so that r does not cancel at round-off near the solution manifold):
///
///     g1 = F r^T,  g2 = W1 r,   ds = U1^T w2 + W1^T u2,  dr = Sigma ds,  dg1 = F dr^T + dF r^T,  dg2 = U1 r + W1 dr,
///
/// O(NM + M^2) per product, whatever P.
extension FullBatchFlow {
    /// J(theta) u for each u in `tangents`.
    public func jacobianVectorProducts(_ theta: [Double], _ tangents: [[Double]]) -> [[Double]] {
        precondition(theta.count == dimension && tangents.allSatisfy { $0.count == dimension })
        let kernel = FullBatchTangentKernel(flow: self, count: max(1, tangents.count))
        let stacked = tangents.flatMap { $0 }
        var field = [Double](repeating: 0, count: dimension)
        var products = [Double](repeating: 0, count: stacked.count)
        theta.withUnsafeBufferPointer { t in
            stacked.withUnsafeBufferPointer { v in
                field.withUnsafeMutableBufferPointer { f in
                    products.withUnsafeMutableBufferPointer { kernel.evaluate(t.baseAddress!, field: f.baseAddress!, tangents: v.baseAddress!, count: tangents.count, products: $0.baseAddress!) }
                }
            }
        }
        return (0..<tangents.count).map { Array(products[($0 * dimension)..<(($0 + 1) * dimension)]) }
    }

    /// The field and up to `maxTangents` Jacobian-vector products together, as a Lyapunov solve takes them. The
    /// closure owns its scratch buffers, so evaluations allocate nothing; one per solve (not thread-safe).
    public func makeVariationalField(maxTangents: Int) -> VariationalField {
        let kernel = FullBatchTangentKernel(flow: self, count: maxTangents)
        return { _, y, dydt, tangents, count, products in
            precondition(count <= maxTangents)
            kernel.evaluate(y.baseAddress!, field: dydt.baseAddress!, tangents: tangents.baseAddress!, count: count, products: products.baseAddress!)
        }
    }

    /// Under the norm constraint, the projection of tangent vectors onto the tangent space of the product of the
    /// spheres |W1|_F = const, |W2| = const at theta; nil without the constraint.
    public func makeTangentProjection() -> TangentProjection? {
        guard problem.normConstraint else { return nil }
        let problem = self.problem
        let d = dimension
        return { theta, tangents, count in
            for j in 0..<count { problem.projectOntoNormSpheres(theta.baseAddress!, tangents.baseAddress! + j * d) }
        }
    }

    /// The Lyapunov problem of this flow from `start` (default: the problem's start) with `exponentCount` tangent
    /// vectors drawn from the problem seed's `lyapunovTangents` stream.
    ///
    /// Under the norm constraint the flow conserves |W1|_F and |W2|, so it lives on a product of two spheres; each
    /// conserved norm gives the ambient flow a trivial zero exponent along the sphere's normal. The tangent vectors
    /// are kept tangent to the spheres (projected at every re-orthonormalisation; the linearised flow preserves
    /// tangency, so this only removes integration drift), and the exponents are those of the flow on the spheres,
    /// NM + N - 2 of them, with the two normal zeros left out.
    public func lyapunovProblem(exponentCount: Int, start: [Double]? = nil) -> LyapunovProblem {
        let stream = RandomStream(seed: problem.seed, role: SeedStream.lyapunovTangents)
        return LyapunovProblem(initialState: start ?? problem.start.flattened,
                               initialTangents: LyapunovProblem.randomTangents(count: exponentCount, dimension: dimension, stream: stream),
                               exponentCount: exponentCount, tangentProjection: makeTangentProjection(),
                               variationalField: makeVariationalField(maxTangents: exponentCount))
    }
}

/// Scratch buffers and the kernel behind `FullBatchFlow.jacobianVectorProducts`. Not thread-safe: one per solve.
final class FullBatchTangentKernel {
    let flow: FullBatchFlow
    private let mask: [Double]
    private let samples: Int      // P
    private let dimension: Int    // D = NM + N
    private let maxTangents: Int
    private let linear: LinearStatistics?
    // The per-sample forward pass (nonlinear networks only).
    private let hidden: UnsafeMutablePointer<Double>      // P x N: a1, then h
    private let slope: UnsafeMutablePointer<Double>       // P x N: phi'(a1)
    private let curvature: UnsafeMutablePointer<Double>   // P x N: phi''(a1)
    private let error: UnsafeMutablePointer<Double>       // P: e
    private let outputSlope: UnsafeMutablePointer<Double> // P: psi'(a2)
    private let delta: UnsafeMutablePointer<Double>       // P x N: delta1, then d delta1
    private let hiddenTangent: UnsafeMutablePointer<Double>  // P x N: da1, then dh
    private let errorTangent: UnsafeMutablePointer<Double>   // P: da2, then de
    // Both paths.
    private let gradient: UnsafeMutablePointer<Double>    // D: g, then f = -S g (unprojected)
    private let scratch: UnsafeMutablePointer<Double>     // 3 M: s - s0, r, dr (linear path)

    /// Sigma = X^T X / P, the anchor s0 and r0 = (1/P) sum_p (s0.x_p - y_p) x_p of a linear network.
    struct LinearStatistics {
        let covariance: [Double]
        let anchor: [Double]
        let anchorResidual: [Double]
    }

    init(flow: FullBatchFlow, count: Int) {
        precondition(count >= 1)
        self.flow = flow
        mask = flow.problem.mask
        let problem = flow.problem
        let (m, n) = (problem.shape.inputs, problem.shape.hidden)
        samples = problem.data.train.count
        dimension = problem.shape.parameterCount
        maxTangents = count
        let isLinear = problem.activation.hidden == .linear && problem.activation.output == .linear
        linear = isLinear ? Self.linearStatistics(problem) : nil
        let perSample = isLinear ? 0 : samples * n
        let perScalar = isLinear ? 0 : samples
        hidden = .allocate(capacity: perSample)
        slope = .allocate(capacity: perSample)
        curvature = .allocate(capacity: perSample)
        delta = .allocate(capacity: perSample)
        hiddenTangent = .allocate(capacity: perSample)
        error = .allocate(capacity: perScalar)
        outputSlope = .allocate(capacity: perScalar)
        errorTangent = .allocate(capacity: perScalar)
        gradient = .allocate(capacity: dimension)
        scratch = .allocate(capacity: 3 * m)
    }

    deinit {
        for p in [hidden, slope, curvature, delta, hiddenTangent, error, outputSlope, errorTangent, gradient, scratch] { p.deallocate() }
    }

    private static func linearStatistics(_ problem: TrainingProblem) -> LinearStatistics {
        let train = problem.data.train
        let (p, m) = (train.count, problem.shape.inputs)
        let anchor = problem.start.endToEnd  // s0 = W1^T w2 at the start
        var residuals = train.targets
        var r0 = [Double](repeating: 0, count: m)
        // r0 per sample, not as C s0 - b: at a start on the manifold that difference cancels to eps |s0| |C|.
        train.inputs.elements.withUnsafeBufferPointer { x in
            residuals.withUnsafeMutableBufferPointer { e in
                BLAS.gemv(rows: p, columns: m, alpha: 1, x.baseAddress!, anchor, beta: -1, e.baseAddress!)
                r0.withUnsafeMutableBufferPointer {
                    BLAS.gemv(transpose: true, rows: p, columns: m, alpha: 1 / Double(p), x.baseAddress!, e.baseAddress!, beta: 0, $0.baseAddress!)
                }
            }
        }
        return LinearStatistics(covariance: LinearSufficientStatistics(train).covariance, anchor: anchor, anchorResidual: r0)
    }

    /// Writes the (projected) field at theta into `field` and J(theta) v_j into `products` for the `count` tangent
    /// vectors at `tangents` (vector j at offset j D, the same layout in `products`).
    func evaluate(_ theta: UnsafePointer<Double>, field: UnsafeMutablePointer<Double>, tangents: UnsafePointer<Double>, count: Int,
                  products: UnsafeMutablePointer<Double>) {
        precondition(count <= maxTangents)
        let d = dimension
        if let linear {
            linearPass(theta, linear, tangents: tangents, count: count, products: products)
        } else {
            forwardPass(theta, tangents: tangents, count: count, products: products)
        }
        // f = -S g, df = -S dg.
        for k in 0..<d { gradient[k] *= -mask[k] }
        for j in 0..<count {
            let out = products + j * d
            for k in 0..<d { out[k] *= -mask[k] }
        }
        field.update(from: gradient, count: d)
        guard flow.problem.normConstraint else { return }
        let nm = flow.shape.hidden * flow.shape.inputs
        for (offset, size) in [(0, nm), (nm, flow.shape.hidden)] {
            let w = theta + offset
            let f = gradient + offset
            var squared = 0.0, dot = 0.0
            for a in 0..<size {
                squared += w[a] * w[a]
                dot += w[a] * f[a]
            }
            let beta = dot / squared
            for a in 0..<size { field[offset + a] = f[a] - beta * w[a] }
            for j in 0..<count {
                let du = tangents + j * d + offset
                let df = products + j * d + offset
                var wdf = 0.0, fdu = 0.0, wdu = 0.0
                for a in 0..<size {
                    wdf += w[a] * df[a]
                    fdu += f[a] * du[a]
                    wdu += w[a] * du[a]
                }
                let c = (wdf + fdu - 2 * beta * wdu) / squared
                for a in 0..<size { df[a] -= c * w[a] + beta * du[a] }
            }
        }
    }

    /// g and dg of a linear network from the sufficient statistics.
    private func linearPass(_ theta: UnsafePointer<Double>, _ stats: LinearStatistics, tangents: UnsafePointer<Double>, count: Int,
                            products: UnsafeMutablePointer<Double>) {
        let (m, n) = (flow.shape.inputs, flow.shape.hidden)
        let nm = n * m
        let d = dimension
        let w1 = theta, w2 = theta + nm
        let feedback = flow.problem.feedback
        let shift = scratch, r = scratch + m, dr = scratch + 2 * m
        stats.covariance.withUnsafeBufferPointer { sigma in
            // s - s0 = W1^T w2 - s0, r = Sigma (s - s0) + r0.
            BLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, w1, w2, beta: 0, shift)
            for j in 0..<m { shift[j] -= stats.anchor[j] }
            r.update(from: stats.anchorResidual, count: m)
            BLAS.gemv(rows: m, columns: m, alpha: 1, sigma.baseAddress!, shift, beta: 1, r)
            for i in 0..<n {
                let fi = feedback?[i] ?? w2[i]
                for j in 0..<m { gradient[i * m + j] = fi * r[j] }
            }
            BLAS.gemv(rows: n, columns: m, alpha: 1, w1, r, beta: 0, gradient + nm)
            for t in 0..<count {
                let u1 = tangents + t * d, u2 = u1 + nm
                let out = products + t * d
                // ds = U1^T w2 + W1^T u2 (in shift), dr = Sigma ds.
                BLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, u1, w2, beta: 0, shift)
                BLAS.gemv(transpose: true, rows: n, columns: m, alpha: 1, w1, u2, beta: 1, shift)
                BLAS.gemv(rows: m, columns: m, alpha: 1, sigma.baseAddress!, shift, beta: 0, dr)
                for i in 0..<n {
                    let fi = feedback?[i] ?? w2[i]
                    let dfi = feedback == nil ? u2[i] : 0
                    for j in 0..<m { out[i * m + j] = fi * dr[j] + dfi * r[j] }
                }
                // dg2 = U1 r + W1 dr.
                BLAS.gemv(rows: n, columns: m, alpha: 1, u1, r, beta: 0, out + nm)
                BLAS.gemv(rows: n, columns: m, alpha: 1, w1, dr, beta: 1, out + nm)
            }
        }
    }

    /// g and dg of any network by a per-sample forward pass and its derivative along each tangent.
    private func forwardPass(_ theta: UnsafePointer<Double>, tangents: UnsafePointer<Double>, count: Int, products: UnsafeMutablePointer<Double>) {
        let problem = flow.problem
        let (m, n) = (problem.shape.inputs, problem.shape.hidden)
        let nm = n * m
        let d = dimension
        let p = samples
        let scale = 1 / Double(p)
        let phi = problem.activation.hidden, psi = problem.activation.output
        let w1 = theta, w2 = theta + nm
        let feedback = problem.feedback
        let targets = problem.data.train.targets
        problem.data.train.inputs.elements.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress!
            // a1 = X W1^T; h, phi', phi''; a2 = H w2; e, psi'(a2).
            BLAS.gemm(transposeB: true, m: p, n: n, k: m, alpha: 1, x, w1, beta: 0, hidden)
            for k in 0..<(p * n) {
                let a = hidden[k]
                (hidden[k], slope[k]) = phi.valueAndDerivative(a)
                curvature[k] = phi.secondDerivative(a)
            }
            BLAS.gemv(rows: p, columns: n, alpha: 1, hidden, w2, beta: 0, error)
            for s in 0..<p {
                let a = error[s]
                outputSlope[s] = psi.derivative(a)
                error[s] = psi.value(a) - targets[s]
            }
            // g2 = H^T e / P; delta1 = (F e) phi'(a1), g1 = delta1^T X / P.
            BLAS.gemv(transpose: true, rows: p, columns: n, alpha: scale, hidden, error, beta: 0, gradient + nm)
            for s in 0..<p {
                for i in 0..<n { delta[s * n + i] = (feedback?[i] ?? w2[i]) * error[s] * slope[s * n + i] }
            }
            BLAS.gemm(transposeA: true, m: n, n: m, k: p, alpha: scale, delta, x, beta: 0, gradient)
            for t in 0..<count {
                let u1 = tangents + t * d, u2 = u1 + nm
                let out = products + t * d
                // da1 = X U1^T; dh = phi'(a1) da1 (kept apart: d delta1 needs da1 itself).
                BLAS.gemm(transposeB: true, m: p, n: n, k: m, alpha: 1, x, u1, beta: 0, hiddenTangent)
                // da2 = H u2 + dH w2, de = psi'(a2) da2; d delta1, written into delta.
                BLAS.gemv(rows: p, columns: n, alpha: 1, hidden, u2, beta: 0, errorTangent)
                for s in 0..<p {
                    var sum = 0.0
                    for i in 0..<n { sum += w2[i] * slope[s * n + i] * hiddenTangent[s * n + i] }
                    errorTangent[s] = outputSlope[s] * (errorTangent[s] + sum)
                }
                for s in 0..<p {
                    let (e, de) = (error[s], errorTangent[s])
                    for i in 0..<n {
                        let k = s * n + i
                        let fi = feedback?[i] ?? w2[i]
                        let dfi = feedback == nil ? u2[i] : 0
                        delta[k] = (fi * de + dfi * e) * slope[k] + fi * e * curvature[k] * hiddenTangent[k]
                        hiddenTangent[k] *= slope[k]  // now dh
                    }
                }
                BLAS.gemm(transposeA: true, m: n, n: m, k: p, alpha: scale, delta, x, beta: 0, out)
                // dg2 = (H^T de + dH^T e) / P.
                BLAS.gemv(transpose: true, rows: p, columns: n, alpha: scale, hidden, errorTangent, beta: 0, out + nm)
                BLAS.gemv(transpose: true, rows: p, columns: n, alpha: scale, hiddenTangent, error, beta: 1, out + nm)
            }
        }
    }
}
