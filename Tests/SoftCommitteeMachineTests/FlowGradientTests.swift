import Foundation
import NumericalKit
import Testing
import SoftCommitteeMachine

// The gradient-flow equations against derivatives of eps_g alone. eps_g(Q, R, v) uses only I2; its gradient in the
// weights, by the chain rule through Q and R, gives every first-order term of the flow:
//     N dE/dw_k = g_k = sum_b G_kb w_b + sum_m H_km w*_m,   G_kk = 2 dE/dQ_kk, G_kb = dE/dQ_kb (b != k, one triangle), H = dE/dR,
// and a rule moves w_k by -eta N (b_k / v_k) D1 dE/dw_k per unit alpha, so
//     dQ_kl  = -eta [ s_k (G Q~ + H R~^T)_kl + s_l (G Q~ + H R~^T)_lk ],   dQ~_kl = the same with Q, R,
//     dR_km  = -eta s_k (G R~ + H T~)_km,   dR~_km = -eta s_k (G R + H T)_km,   dv_k = -eta_v d2_k dE/dv_k,
// with s_k = b_k / v_k. Finite differences of the I2 formula check the I3 sums of the flow independently.

/// A generic state (K = 3, M = 2) with input flips: realised by explicit vectors, so Q, Q~, R, R~ are consistent.
private func genericSetup(alphaH: Double) throws -> (SCMNetworks, SCMTeacher, SCMState) {
    let nets = try SCMNetworks.random(inputs: 400, students: 3, teachers: 2, studentScale: 0.8,
                                      studentReadout: .gaussian(sigma: 0.9), teacherReadout: 1, inputFlipFraction: alphaH, seed: 11)
    return (nets, try nets.teacherOverlaps(), nets.startState())
}

/// dE/dQ (as G above), dE/dR and dE/dv by central differences of eps_g on the flip-free flow (eps_g ignores Q~, R~).
private func errorGradient(_ state: SCMState, teacher: SCMTeacher, h: Double = 1e-6) throws -> (g: Matrix, h: Matrix, v: [Double]) {
    let plain = try SCMTeacher(t: teacher.t, tTilde: teacher.t, readout: teacher.readout)
    let flow = try SCMFlow(students: state.students, teacher: plain, rule: .gradientDescent(), rates: SCMLearningRates(online: false))
    func e(_ change: (inout SCMState) -> Void) -> Double {
        var s = SCMState(q: state.q, r: state.r, v: state.v)
        change(&s)
        return flow.generalisationError(s)
    }
    let (k, m) = (state.students, state.teachers)
    var g = Matrix(rows: k, columns: k), hr = Matrix(rows: k, columns: m)
    for a in 0..<k {
        for b in a..<k {
            let d = (e { $0.q[a, b] += h; $0.q[b, a] = $0.q[a, b] } - e { $0.q[a, b] -= h; $0.q[b, a] = $0.q[a, b] }) / (2 * h)
            if a == b { g[a, a] = 2 * d } else { g[a, b] = d; g[b, a] = d }
        }
        for c in 0..<m { hr[a, c] = (e { $0.r[a, c] += h } - e { $0.r[a, c] -= h }) / (2 * h) }
    }
    let dv = (0..<k).map { a in (e { $0.v[a] += h } - e { $0.v[a] -= h }) / (2 * h) }
    return (g, hr, dv)
}

private func expectedVelocity(_ s: SCMState, _ t: SCMTeacher, rule: SCMRule, eta: Double, etaV: Double) throws -> SCMState {
    let (g, h, dv) = try errorGradient(s, teacher: t)
    let (k, m) = (s.students, s.teachers)
    let scale: [Double] = (0..<k).map { a in
        if case .fixed(let b) = rule.feedback { return b[a] / s.v[a] }
        return 1
    }
    // P = G Q~ + H R~^T (K x K) and P0 = G Q + H R^T; S = G R~ + H T~ and S0 = G R + H T (K x M).
    func plus(_ a: Matrix, _ b: Matrix) -> Matrix { Matrix(rows: a.rows, columns: a.columns) { a[$0, $1] + b[$0, $1] } }
    func times(_ a: Matrix, _ b: Matrix) -> Matrix { Matrix(rows: a.rows, columns: b.columns) { i, j in (0..<a.columns).reduce(0) { $0 + a[i, $1] * b[$1, j] } } }
    let p = plus(times(g, s.qTilde), times(h, s.rTilde.transposed)), p0 = plus(times(g, s.q), times(h, s.r.transposed))
    let sr = plus(times(g, s.rTilde), times(h, t.tTilde)), sr0 = plus(times(g, s.r), times(h, t.t))
    var q = Matrix(rows: k, columns: k), qt = q, r = Matrix(rows: k, columns: m), rt = r
    for a in 0..<k {
        for b in 0..<k {
            q[a, b] = -eta * (scale[a] * p[a, b] + scale[b] * p[b, a])
            qt[a, b] = -eta * (scale[a] * p0[a, b] + scale[b] * p0[b, a])
        }
        for c in 0..<m {
            r[a, c] = -eta * scale[a] * sr[a, c]
            rt[a, c] = -eta * scale[a] * sr0[a, c]
        }
    }
    let v = (0..<k).map { rule.trainsReadout ? -etaV * rule.readoutSign($0) * dv[$0] : 0 }
    return SCMState(q: q, qTilde: qt, r: r, rTilde: rt, v: v)
}

private func maxDifference(_ a: SCMState, _ b: SCMState, flips: Bool) -> Double {
    var d = Vector.maxAbsDifference(a.q.elements, b.q.elements)
    d = max(d, Vector.maxAbsDifference(a.r.elements, b.r.elements), Vector.maxAbsDifference(a.v, b.v))
    if flips { d = max(d, Vector.maxAbsDifference(a.qTilde.elements, b.qTilde.elements), Vector.maxAbsDifference(a.rTilde.elements, b.rTilde.elements)) }
    return d
}

@Test("the gradient-flow velocity equals the weight-space gradient of eps_g pushed through Q, R (GD, curl with input and readout flips, FA)",
      arguments: ["gd", "input", "readout", "both", "fa"])
func gradientFlowIsTheChainRuleOfTheError(_ name: String) throws {
    let alphaH = name == "input" || name == "both" ? 0.3 : 0
    let (nets, teacher, state) = try genericSetup(alphaH: alphaH)
    var rule = SCMRule.curl(inputFlipFraction: nets.inputFlipFraction, flippedReadouts: name == "readout" || name == "both" ? 1 : 0, students: 3)
    if name == "fa" { rule.feedback = .fixed([0.7, -1.1, 0.4]) }
    let flow = try SCMFlow(students: 3, teacher: teacher, rule: rule, rates: SCMLearningRates(firstLayer: 0.7, readout: 1.3, online: false))
    let velocity = flow.velocity(state)
    let expected = try expectedVelocity(state, teacher, rule: rule, eta: 0.7, etaV: 1.3)
    let worst = maxDifference(velocity, expected, flips: rule.flipsInputs)
    let size = max(Vector.norm(expected.q.elements), Vector.norm(expected.r.elements))
    #expect(worst < 1e-7, "largest difference \(worst) (velocity size \(size))")
    #expect(size > 1e-2, "the check needs a state that moves")
}

@Test("the online eta^2 term is what separates online SGD from the gradient flow, and it carries 1 - 2 alpha_h in dQ~ only")
func onlineTermScalesWithEtaSquaredAndFlipFraction() throws {
    let (nets, teacher, state) = try genericSetup(alphaH: 0.3)
    let rule = SCMRule.curl(inputFlipFraction: nets.inputFlipFraction, students: 3)
    func velocity(_ eta: Double, online: Bool) throws -> SCMState {
        try SCMFlow(students: 3, teacher: teacher, rule: rule, rates: SCMLearningRates(firstLayer: eta, online: online)).velocity(state)
    }
    let (on, off) = (try velocity(0.5, online: true), try velocity(0.5, online: false))
    let (on2, off2) = (try velocity(1.0, online: true), try velocity(1.0, online: false))
    let extra = Matrix(rows: 3, columns: 3) { on.q[$0, $1] - off.q[$0, $1] }
    let extra2 = Matrix(rows: 3, columns: 3) { on2.q[$0, $1] - off2.q[$0, $1] }
    let extraTilde = Matrix(rows: 3, columns: 3) { on.qTilde[$0, $1] - off.qTilde[$0, $1] }
    #expect(extra.frobeniusNorm > 1e-3)
    // eta^2 scaling: doubling eta quadruples the online term.
    #expect(Vector.maxAbsDifference(extra2.elements, extra.elements.map { 4 * $0 }) < 1e-12)
    // dQ~'s term is dQ's times x.D1.x / N = 1 - 2 alpha_h.
    let factor = 1 - 2 * nets.inputFlipFraction
    #expect(Vector.maxAbsDifference(extraTilde.elements, extra.elements.map { factor * $0 }) < 1e-12)
    // R, R~ and v have no eta^2 term.
    #expect(Vector.maxAbsDifference(on.r.elements, off.r.elements) == 0 && on.v == off.v)
}

@Test("with a vanishing flip fraction the extended equations (Q~, R~ carried) reduce to the classic Saad-Solla ones")
func extendedFlowReducesToClassicWithoutFlips() throws {
    let (_, teacher, state) = try genericSetup(alphaH: 0)
    let classic = try SCMFlow(students: 3, teacher: teacher, rule: .gradientDescent(), rates: SCMLearningRates(firstLayer: 0.6))
    let tiny = 1e-9
    let extendedTeacher = try SCMTeacher(t: teacher.t, tTilde: Matrix(rows: 2, columns: 2) { teacher.t[$0, $1] * (1 - 2 * tiny) },
                                         readout: teacher.readout)
    let extended = try SCMFlow(students: 3, teacher: extendedTeacher, rule: SCMRule(inputFlipFraction: tiny), rates: SCMLearningRates(firstLayer: 0.6))
    #expect(extended.dimension == 3 * 4 + 2 * 3 * 2 + 3 && classic.dimension == 6 + 6 + 3)
    let a = classic.velocity(state), b = extended.velocity(state)
    #expect(maxDifference(a, b, flips: false) < 1e-8)
    // Q~ and R~ move with Q and R, so Q~ = Q and R~ = R persists.
    #expect(Vector.maxAbsDifference(b.qTilde.elements, b.q.elements) < 1e-8)
    #expect(Vector.maxAbsDifference(b.rTilde.elements, b.r.elements) < 1e-8)
}
