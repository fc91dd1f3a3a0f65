import NumericalKit
import StudentTeacherCore

/// The order-parameter flow of the soft committee machine in the limit N -> infinity (DERIVATION.md):
///
///     dQ_kl/dalpha  = -eta [ b_k E(g'(l_k) Delta l~_l) + b_l E(g'(l_l) Delta l~_k) ] + eta^2 b_k b_l E(g'(l_k) g'(l_l) Delta^2)
///     dQ~_kl/dalpha = -eta [ b_k E(g'(l_k) Delta l_l)  + b_l E(g'(l_l) Delta l_k) ] + eta^2 (1 - 2 alpha_h) b_k b_l E(g'g' Delta^2)
///     dR_km/dalpha  = -eta b_k E(g'(l_k) Delta n~_m),   dR~_km/dalpha = -eta b_k E(g'(l_k) Delta n_m)
///     dv_k/dalpha   = -eta_v d2_k E(g(l_k) Delta)
///
/// with b = v (backpropagation) or a fixed feedback, l = lambda, n = nu, Delta = phi - y, and every average a
/// closed-form Gaussian integral over the covariance of (lambda, nu, lambda~, nu~) built from the state and the
/// teacher. The eta^2 terms are online SGD's single-sample noise; the gradient-flow limit drops them.
///
/// State layout (upper triangles of the symmetric Q and Q~, row-major R and R~):
/// Q (K(K+1)/2), [Q~ (K(K+1)/2)], R (KM), [R~ (KM)], v (K); the bracketed blocks only with input flips
/// (alpha_h > 0): without them Q~ = Q and R~ = R identically, and carrying copies would add directions that no
/// network realises (spurious Jacobian eigenvalues). With flips the state has K(K+1) + 2KM + K numbers.
public struct SCMFlow: Sendable {
    public let teacher: SCMTeacher
    public let rule: SCMRule
    public let rates: SCMLearningRates
    public let activation: SCMActivation
    /// K, the number of student hidden units.
    public let students: Int

    public init(students k: Int, teacher: SCMTeacher, rule: SCMRule, rates: SCMLearningRates = SCMLearningRates(),
                activation: SCMActivation = .erf) throws {
        guard k > 0 else { throw ParameterError("the student needs at least one hidden unit") }
        try rule.validate(students: k)
        try rates.validate()
        if !rule.flipsInputs, teacher.tTilde != teacher.t {
            throw ParameterError("without input flips T~ must equal T")
        }
        self.students = k
        self.teacher = teacher
        self.rule = rule
        self.rates = rates
        self.activation = activation
    }

    /// M, the number of teacher units.
    public var teachers: Int { teacher.units }
    /// Whether the state carries Q~ and R~.
    public var tracksInputFlips: Bool { rule.flipsInputs }

    var triangle: Int { students * (students + 1) / 2 }
    var offsetR: Int { tracksInputFlips ? 2 * triangle : triangle }
    var offsetV: Int { offsetR + (tracksInputFlips ? 2 : 1) * students * teachers }

    /// The number of state variables: K(K+1) + 2KM + K with input flips, K(K+1)/2 + KM + K without.
    public var dimension: Int { offsetV + students }

    /// Indices of the readout block in the state (the coordinates that stay put when the readout is fixed).
    public var readoutIndices: Range<Int> { offsetV..<dimension }

    // MARK: - State vector

    public func pack(_ s: SCMState) -> [Double] {
        precondition(s.students == students && s.teachers == teachers, "state of K = \(s.students), M = \(s.teachers); the flow has K = \(students), M = \(teachers)")
        var y = [Double]()
        y.reserveCapacity(dimension)
        for k in 0..<students { for l in k..<students { y.append(s.q[k, l]) } }
        if tracksInputFlips { for k in 0..<students { for l in k..<students { y.append(s.qTilde[k, l]) } } }
        y += s.r.elements
        if tracksInputFlips { y += s.rTilde.elements }
        y += s.v
        return y
    }

    public func unpack(_ y: [Double]) -> SCMState { y.withUnsafeBufferPointer { unpack($0) } }

    public func unpack(_ y: UnsafeBufferPointer<Double>) -> SCMState {
        precondition(y.count == dimension)
        let (k, m) = (students, teachers)
        func symmetric(_ offset: Int) -> Matrix {
            var a = Matrix(rows: k, columns: k)
            var i = offset
            for r in 0..<k { for c in r..<k { a[r, c] = y[i]; a[c, r] = y[i]; i += 1 } }
            return a
        }
        let q = symmetric(0)
        let r = Matrix(rows: k, columns: m, elements: Array(y[offsetR..<(offsetR + k * m)]))
        return SCMState(q: q, qTilde: tracksInputFlips ? symmetric(triangle) : q, r: r,
                        rTilde: tracksInputFlips ? Matrix(rows: k, columns: m, elements: Array(y[(offsetR + k * m)..<offsetV])) : r,
                        v: Array(y[offsetV..<dimension]))
    }

    // MARK: - Observables and velocity

    /// The generalisation error eps_g = E[(phi - y)^2] / 2 (without output noise) at `s`.
    public func generalisationError(_ s: SCMState) -> Double {
        let y = pack(s)
        return y.withUnsafeBufferPointer { Workspace(self).generalisationError(self, $0) }
    }

    /// The velocity d state / d alpha at `s`.
    public func velocity(_ s: SCMState) -> SCMState { unpack(velocity(pack(s))) }

    /// The velocity of the packed state.
    public func velocity(_ y: [Double]) -> [Double] {
        var out = [Double](repeating: 0, count: dimension)
        let w = Workspace(self)
        y.withUnsafeBufferPointer { yp in out.withUnsafeMutableBufferPointer { w.evaluate(self, yp, into: $0) } }
        return out
    }

    /// The vector field for the ODE solver (it owns its scratch space; not thread-safe).
    public func makeVectorField() -> VectorField {
        let w = Workspace(self)
        let flow = self
        return { _, y, dydt in w.evaluate(flow, y, into: dydt) }
    }

    /// The generalisation error of a packed state, as an ODE observable.
    public func makeErrorObservable() -> StateFunction {
        let w = Workspace(self)
        let flow = self
        return { _, y in w.generalisationError(flow, y) }
    }

    public func problem(from start: SCMState, endTime: Double) -> ODEProblem {
        ODEProblem(initialState: pack(start), endTime: endTime, vectorField: makeVectorField())
    }
}

/// Scratch space of one vector field: the covariance of (lambda, nu, lambda~, nu~), the output coefficients and
/// the averages. Variables are indexed lambda_k = k, nu_m = K + m, lambda~_k = K + M + k, nu~_m = 2K + M + m; the
/// output units p < K + M are the variables p themselves (students, then teachers), with coefficients
/// c_p = v_p (student) or -v*_m (teacher), so Delta = sum_p c_p g(z_p).
final class Workspace: @unchecked Sendable {
    let k: Int, m: Int, n: Int
    var cov: [Double]
    var c: [Double]
    /// e3[k * n + z] = E[g'(lambda_k) Delta z].
    var e3: [Double]
    /// eg[k] = E[g(lambda_k) Delta].
    var eg: [Double]
    /// e4[k * K + l] = E[g'(lambda_k) g'(lambda_l) Delta^2].
    var e4: [Double]

    init(_ flow: SCMFlow) {
        k = flow.students
        m = flow.teachers
        n = 2 * (k + m)
        cov = Array(repeating: 0, count: n * n)
        c = Array(repeating: 0, count: k + m)
        e3 = Array(repeating: 0, count: k * n)
        eg = Array(repeating: 0, count: k)
        e4 = Array(repeating: 0, count: k * k)
    }

    /// Fills the covariance and the output coefficients from the packed state.
    func load(_ flow: SCMFlow, _ y: UnsafeBufferPointer<Double>) {
        let (k, m, n) = (self.k, self.m, self.n)
        let tri = flow.triangle
        let flips = flow.tracksInputFlips
        let (oR, oV) = (flow.offsetR, flow.offsetV)
        let oRt = flips ? oR + k * m : oR
        let oQt = flips ? tri : 0
        let (lt, nt) = (k + m, 2 * k + m)
        let t = flow.teacher.t, tt = flow.teacher.tTilde
        func set(_ a: Int, _ b: Int, _ value: Double) { cov[a * n + b] = value; cov[b * n + a] = value }
        var i = 0
        for a in 0..<k {
            for b in a..<k {
                let q = y[i], qt = y[oQt + i]
                set(a, b, q)              // <lambda lambda> = Q
                set(lt + a, lt + b, q)    // <lambda~ lambda~> = Q (D1^2 = I)
                set(a, lt + b, qt)        // <lambda_a lambda~_b> = Q~_ab
                set(b, lt + a, qt)
                i += 1
            }
        }
        for a in 0..<k {
            for b in 0..<m {
                let r = y[oR + a * m + b], rt = y[oRt + a * m + b]
                set(a, k + b, r)            // <lambda nu> = R
                set(lt + a, nt + b, r)      // <lambda~ nu~> = R
                set(a, nt + b, rt)          // <lambda nu~> = R~
                set(lt + a, k + b, rt)      // <lambda~ nu> = R~
            }
        }
        for a in 0..<m {
            for b in 0..<m {
                cov[(k + a) * n + k + b] = t[a, b]        // <nu nu> = T
                cov[(nt + a) * n + nt + b] = t[a, b]      // <nu~ nu~> = T
                set(k + a, nt + b, tt[a, b])              // <nu nu~> = T~
            }
        }
        for a in 0..<k { c[a] = y[oV + a] }
        for b in 0..<m { c[k + b] = -flow.teacher.readout[b] }
    }

    func generalisationError(_ flow: SCMFlow, _ y: UnsafeBufferPointer<Double>) -> Double {
        load(flow, y)
        let g = GaussianAverages(activation: flow.activation)
        let units = k + m
        return cov.withUnsafeBufferPointer { cp in
            var sum = 0.0
            for p in 0..<units {
                sum += 0.5 * c[p] * c[p] * g.i2(cp, n, p, p)
                for q in (p + 1)..<units { sum += c[p] * c[q] * g.i2(cp, n, p, q) }
            }
            return sum
        }
    }

    func evaluate(_ flow: SCMFlow, _ y: UnsafeBufferPointer<Double>, into out: UnsafeMutableBufferPointer<Double>) {
        load(flow, y)
        let (k, m, n) = (self.k, self.m, self.n)
        let g = GaussianAverages(activation: flow.activation)
        let units = k + m
        let flips = flow.tracksInputFlips
        let rule = flow.rule, rates = flow.rates
        let variables = flips ? n : k + m
        cov.withUnsafeBufferPointer { cp in
            for a in 0..<k {
                for z in 0..<variables {
                    var s = 0.0
                    for p in 0..<units { s += c[p] * g.i3(cp, n, a, z, p) }
                    e3[a * n + z] = s
                }
                var s = 0.0
                for p in 0..<units { s += c[p] * g.i2(cp, n, a, p) }
                eg[a] = s
            }
            if rates.online {
                let noise = rates.outputNoise * rates.outputNoise
                for a in 0..<k {
                    for b in a..<k {
                        var s = 0.0
                        for p in 0..<units {
                            s += c[p] * c[p] * g.i4(cp, n, a, b, p, p)
                            for q in (p + 1)..<units { s += 2 * c[p] * c[q] * g.i4(cp, n, a, b, p, q) }
                        }
                        if noise > 0 { s += noise * g.j2(cp, n, a, b) }
                        e4[a * k + b] = s
                        e4[b * k + a] = s
                    }
                }
            }
        }
        let eta = rates.firstLayer
        let eta2 = rates.online ? eta * eta : 0
        let feedback: (Int) -> Double
        switch rule.feedback {
        case .backpropagation: feedback = { self.c[$0] }
        case .fixed(let b): feedback = { b[$0] }
        }
        // Where lambda~_l and nu~_m sit (the plain variables themselves without input flips).
        let lt = flips ? k + m : 0
        let nt = flips ? 2 * k + m : k
        let tri = flow.triangle
        var i = 0
        for a in 0..<k {
            for b in a..<k {
                let (ba, bb) = (feedback(a), feedback(b))
                let noise = eta2 * ba * bb * e4[a * k + b]
                out[i] = -eta * (ba * e3[a * n + lt + b] + bb * e3[b * n + lt + a]) + noise
                if flips {
                    out[tri + i] = -eta * (ba * e3[a * n + b] + bb * e3[b * n + a]) + (1 - 2 * rule.inputFlipFraction) * noise
                }
                i += 1
            }
        }
        let (oR, oV) = (flow.offsetR, flow.offsetV)
        for a in 0..<k {
            let ba = feedback(a)
            for b in 0..<m {
                out[oR + a * m + b] = -eta * ba * e3[a * n + nt + b]
                if flips { out[oR + k * m + a * m + b] = -eta * ba * e3[a * n + k + b] }
            }
        }
        for a in 0..<k {
            out[oV + a] = rule.trainsReadout ? -rates.readout * rule.readoutSign(a) * eg[a] : 0
        }
    }
}
