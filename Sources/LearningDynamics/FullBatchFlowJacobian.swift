import NumericalKit

/// The analytic Jacobian of the full-batch flow F(theta) = P(theta)[-S g(theta)], for the implicit steppers and
/// for spectra off the manifold.
///
/// Per training sample p (a1 = W1 x, h = phi(a1), a2 = w2 . h, e = psi(a2) - y, F = w2 or the feedback B):
///
///     g   = (1/P) sum_p e_p v_p,             v_p = [vec((F * phi'(a1)) x^T), h]
///     J_g = (1/P) sum_p [v_p c_p^T + e_p dv_p/dtheta],   c_p = de_p/dtheta = psi'(a2) [vec((w2 * phi'(a1)) x^T), h]
///
/// with dv_p/dtheta made of
/// * the phi'' blocks: d v1[i,j] / d W1[i,l] = F_i phi''(a1_i) x_j x_l (zero for linear and relu hidden units);
/// * the hidden-readout coupling: d v2[i] / d W1[i,l] = phi'(a1_i) x_l and, for backpropagation only (F = w2),
///   d v1[i,j] / d w2[i] = phi'(a1_i) x_j.
///
/// The sum over samples of v_p c_p^T is one dgemm V^T C; the phi'' blocks are X^T diag(e F_i phi''_i) X per hidden
/// neuron; the coupling is R = (e * phi'(a1))^T X / P, one more dgemm. Under the norm constraint each block w
/// (W1, then W2) with unprojected field f = -S g gets G = f - (w.f / |w|^2) w, whose derivative is
///
///     dG = (I - w w^T/|w|^2) df - [w f^T + (w.f) I] / |w|^2 dw + 2 (w.f) / |w|^4 w w^T dw,
///
/// the dw terms acting on the block's own coordinates only.
extension FullBatchFlow {
    /// The analytic Jacobian dF/dtheta at theta (dimension x dimension; W1[i, j] is coordinate i*M + j, W2[i] is N*M + i).
    public func jacobian(_ theta: [Double]) -> Matrix {
        precondition(theta.count == dimension)
        let kernel = FullBatchJacobianKernel(flow: self)
        var j = Matrix(rows: dimension, columns: dimension)
        theta.withUnsafeBufferPointer { t in j.elements.withUnsafeMutableBufferPointer { kernel.fill(t.baseAddress!, into: $0.baseAddress!) } }
        return j
    }

    /// The analytic Jacobian as the implicit steppers take it: row-major dfdy, dfdt = 0 (the flow is autonomous).
    /// The closure owns its scratch buffers (O(P (NM + N)) doubles), so evaluations allocate nothing; one per solve.
    public func makeJacobian() -> JacobianFunction {
        let kernel = FullBatchJacobianKernel(flow: self)
        return { _, y, dfdy, dfdt in
            kernel.fill(y.baseAddress!, into: dfdy.baseAddress!)
            dfdt.update(repeating: 0)
        }
    }
}

/// Scratch buffers and the kernel behind `FullBatchFlow.jacobian`. Not thread-safe: one instance per solve.
final class FullBatchJacobianKernel {
    let flow: FullBatchFlow
    private let mask: [Double]
    private let count: Int       // P samples
    private let dimension: Int   // D = NM + N
    private let hidden: UnsafeMutablePointer<Double>   // P x N: a1, then h
    private let slope: UnsafeMutablePointer<Double>    // P x N: phi'(a1)
    private let curvature: UnsafeMutablePointer<Double>  // P x N: phi''(a1)
    private let error: UnsafeMutablePointer<Double>    // P: a2, then e
    private let outputSlope: UnsafeMutablePointer<Double>  // P: psi'(a2)
    private let v: UnsafeMutablePointer<Double>        // P x D: rows v_p
    private let c: UnsafeMutablePointer<Double>        // P x D: rows c_p
    private let coupling: UnsafeMutablePointer<Double> // N x M: R, then scratch P x M rows for phi'' blocks
    private let weightedInputs: UnsafeMutablePointer<Double>  // P x M
    private let block: UnsafeMutablePointer<Double>    // M x M
    private let field: UnsafeMutablePointer<Double>    // D: f = -S g
    private let rowScratch: UnsafeMutablePointer<Double>  // D: w^T J over a block's rows

    init(flow: FullBatchFlow) {
        self.flow = flow
        mask = flow.problem.mask
        let shape = flow.shape
        let (m, n) = (shape.inputs, shape.hidden)
        count = flow.problem.data.train.count
        dimension = shape.parameterCount
        hidden = .allocate(capacity: count * n)
        slope = .allocate(capacity: count * n)
        curvature = .allocate(capacity: count * n)
        error = .allocate(capacity: count)
        outputSlope = .allocate(capacity: count)
        v = .allocate(capacity: count * dimension)
        c = .allocate(capacity: count * dimension)
        coupling = .allocate(capacity: n * m)
        weightedInputs = .allocate(capacity: count * m)
        block = .allocate(capacity: m * m)
        field = .allocate(capacity: dimension)
        rowScratch = .allocate(capacity: dimension)
    }

    deinit {
        for p in [hidden, slope, curvature, error, outputSlope, v, c, coupling, weightedInputs, block, field, rowScratch] { p.deallocate() }
    }

    /// Writes the row-major D x D Jacobian of the flow at theta into `jac`.
    func fill(_ theta: UnsafePointer<Double>, into jac: UnsafeMutablePointer<Double>) {
        let problem = flow.problem
        let (m, n) = (problem.shape.inputs, problem.shape.hidden)
        let nm = n * m
        let d = dimension
        let count = self.count
        let phi = problem.activation.hidden
        let psi = problem.activation.output
        let scale = 1 / Double(count)
        let w1 = theta
        let w2 = theta + nm
        let inputs = problem.data.train.inputs.elements
        let targets = problem.data.train.targets
        let feedback = problem.feedback
        let backprop = feedback == nil

        inputs.withUnsafeBufferPointer { xb in
            let x = xb.baseAddress!
            // Forward pass: a1 = X W1^T (P x N), h, phi', phi''; a2 = H w2; e, psi'(a2).
            BLAS.gemm(transposeB: true, m: count, n: n, k: m, alpha: 1, x, w1, beta: 0, hidden)
            for k in 0..<(count * n) {
                let a = hidden[k]
                slope[k] = phi.derivative(a)
                curvature[k] = phi.secondDerivative(a)
                hidden[k] = phi.value(a)
            }
            BLAS.gemv(rows: count, columns: n, alpha: 1, hidden, w2, beta: 0, error)
            for p in 0..<count {
                let a = error[p]
                outputSlope[p] = psi.derivative(a)
                error[p] = psi.value(a) - targets[p]
            }
            // Rows v_p and c_p.
            for p in 0..<count {
                let vp = v + p * d, cp = c + p * d
                let xp = x + p * m
                let q = outputSlope[p]
                for i in 0..<n {
                    let s = slope[p * n + i]
                    let fv = (feedback?[i] ?? w2[i]) * s
                    let fc = q * w2[i] * s
                    let vr = vp + i * m, cr = cp + i * m
                    for j in 0..<m {
                        vr[j] = fv * xp[j]
                        cr[j] = fc * xp[j]
                    }
                    let h = hidden[p * n + i]
                    vp[nm + i] = h
                    cp[nm + i] = q * h
                }
            }
            // J_g = (1/P) V^T C, one dgemm over samples; g = (1/P) V^T e.
            BLAS.gemm(transposeA: true, m: d, n: d, k: count, alpha: scale, v, c, beta: 0, jac)
            BLAS.gemv(transpose: true, rows: count, columns: d, alpha: -scale, v, error, beta: 0, field)  // -g for now
            // phi'' blocks: J_g[W1 row i, W1 row i] += X^T diag(e F_i phi''_i / P) X.
            if phi != .linear && phi != .relu {
                for i in 0..<n {
                    let f = feedback?[i] ?? w2[i]
                    for p in 0..<count {
                        let s = error[p] * f * curvature[p * n + i] * scale
                        let row = weightedInputs + p * m, xp = x + p * m
                        for j in 0..<m { row[j] = s * xp[j] }
                    }
                    BLAS.gemm(transposeA: true, m: m, n: m, k: count, alpha: 1, x, weightedInputs, beta: 0, block)
                    for j in 0..<m {
                        let target = jac + (i * m + j) * d + i * m
                        let source = block + j * m
                        for l in 0..<m { target[l] += source[l] }
                    }
                }
            }
            // Coupling R[i, l] = (1/P) sum_p e_p phi'(a1_pi) x_pl: d g2[i] / d W1[i, l] and (backprop) d g1[i, l] / d w2[i].
            for p in 0..<count {
                let row = slope + p * n  // overwritten in place: phi' is no longer needed
                let e = error[p]
                for i in 0..<n { row[i] *= e }
            }
            BLAS.gemm(transposeA: true, m: n, n: m, k: count, alpha: scale, slope, x, beta: 0, coupling)
        }
        for i in 0..<n {
            let r = coupling + i * m
            let target = jac + (nm + i) * d + i * m
            for l in 0..<m { target[l] += r[l] }
            if backprop {
                for j in 0..<m { jac[(i * m + j) * d + nm + i] += r[j] }
            }
        }
        // Signs: f = -S g, J_f = -S J_g.
        for row in 0..<d {
            let s = -mask[row]
            let r = jac + row * d
            for k in 0..<d { r[k] *= s }
            field[row] *= mask[row]
        }
        if problem.normConstraint { projectJacobian(theta, jac) }
    }

    /// Turns J_f into the Jacobian of the projected field block by block (see the type's formula).
    private func projectJacobian(_ theta: UnsafePointer<Double>, _ jac: UnsafeMutablePointer<Double>) {
        let d = dimension
        let nm = flow.shape.hidden * flow.shape.inputs
        for (offset, size) in [(0, nm), (nm, flow.shape.hidden)] {
            let w = theta + offset
            let f = field + offset
            var squared = 0.0, dot = 0.0
            for k in 0..<size {
                squared += w[k] * w[k]
                dot += w[k] * f[k]
            }
            let rows = jac + offset * d
            // (I - w w^T/|w|^2) df on the block's rows: rows -= w (w^T rows) / |w|^2.
            BLAS.gemv(transpose: true, rows: size, columns: d, alpha: 1, rows, w, beta: 0, rowScratch)
            BLAS.ger(rows: size, columns: d, alpha: -1 / squared, w, rowScratch, rows)
            // The block's own columns: -(w f^T + (w.f) I) / |w|^2 + 2 (w.f) / |w|^4 w w^T.
            let own = rows + offset
            for a in 0..<size {
                let r = own + a * d
                let wa = w[a]
                let c1 = -wa / squared
                let c2 = 2 * dot * wa / (squared * squared)
                for b in 0..<size { r[b] += c1 * f[b] + c2 * w[b] }
                r[a] -= dot / squared
            }
        }
    }
}
