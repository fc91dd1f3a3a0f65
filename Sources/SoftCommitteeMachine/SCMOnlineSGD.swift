import NumericalKit
import StudentTeacherCore

/// Direct online SGD of the explicit networks, one fresh sample x ~ N(0, I_N) per step:
///
///     w_k <- w_k - (eta / sqrt N) b_k g'(lambda_k) Delta D1 x,     v_k <- v_k - (eta_v / N) d2_k g(lambda_k) Delta,
///
/// Delta = phi(x) - y(x) (y with output noise sigma xi when asked). Time alpha = steps / N. At each recording
/// time the student's order parameters are measured from its weights, and eps_g is the population error of
/// those weights (exact at any N: lambda and nu are exactly Gaussian for Gaussian inputs).
public struct SCMOnlineSGD {
    public let networks: SCMNetworks
    public let rule: SCMRule
    public let rates: SCMLearningRates
    public let activation: SCMActivation

    public init(networks: SCMNetworks, rule: SCMRule, rates: SCMLearningRates, activation: SCMActivation = .erf) throws {
        try rule.validate(students: networks.students)
        try rates.validate()
        guard rule.flipsInputs == (networks.inputFlipFraction > 0),
              abs(rule.inputFlipFraction - networks.inputFlipFraction) <= 0.5 / Double(networks.inputs) else {
            throw ParameterError("the rule's alpha_h = \(rule.inputFlipFraction) differs from the networks' flipped fraction \(networks.inputFlipFraction)")
        }
        self.networks = networks
        self.rule = rule
        self.rates = rates
        self.activation = activation
    }

    /// The order-parameter flow this simulation follows as N -> infinity (same teacher overlaps, rule and rates).
    public func flow() throws -> SCMFlow {
        var r = rule
        r.inputFlipFraction = networks.inputFlipFraction
        return try SCMFlow(students: networks.students, teacher: try networks.teacherOverlaps(), rule: r, rates: rates, activation: activation)
    }

    /// Replicate `replicate` of the simulation of `seed`, with the samples of stream `replicate` of `seed`'s data role:
    /// the order parameters at each of `times` (alpha values, increasing, >= 0; a time is reached at the step count
    /// round(alpha N)).
    public func run(recordingAt times: [Double], seed: UInt64, replicate: UInt64 = 0) throws -> [SCMState] {
        guard times.allSatisfy({ $0 >= 0 && $0.isFinite }), zip(times, times.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw ParameterError("recording times must be finite, >= 0 and increasing")
        }
        let (n, k, m) = (networks.inputs, networks.students, networks.teachers)
        let stream = RandomStream(seed: seed, role: SCMSeedStream.data, index: replicate)
        var w = networks.student.elements
        var v = networks.studentReadout
        let wStar = networks.teacher.elements
        let vStar = networks.teacherReadout
        let d1 = networks.d1
        var x = [Double](repeating: 0, count: n)
        var dx = [Double](repeating: 0, count: n)
        var lambda = [Double](repeating: 0, count: k)
        var nu = [Double](repeating: 0, count: m)
        var coefficient = [Double](repeating: 0, count: k)
        let rootN = Double(n).squareRoot()
        let firstRate = rates.firstLayer / rootN
        let readoutRate = rates.readout / Double(n)
        var states: [SCMState] = []
        var step = 0
        for time in times {
            let target = Int((time * Double(n)).rounded())
            while step < target {
                for i in 0..<n { x[i] = stream.gaussian() }
                x.withUnsafeBufferPointer { xp in
                    BLAS.gemv(rows: k, columns: n, alpha: 1 / rootN, w, xp.baseAddress!, beta: 0, &lambda)
                    BLAS.gemv(rows: m, columns: n, alpha: 1 / rootN, wStar, xp.baseAddress!, beta: 0, &nu)
                }
                var delta = 0.0
                for a in 0..<k { delta += v[a] * activation.value(lambda[a]) }
                for b in 0..<m { delta -= vStar[b] * activation.value(nu[b]) }
                if rates.outputNoise > 0 { delta -= rates.outputNoise * stream.gaussian() }
                for a in 0..<k {
                    let b: Double
                    switch rule.feedback {
                    case .backpropagation: b = v[a]
                    case .fixed(let f): b = f[a]
                    }
                    coefficient[a] = -firstRate * b * activation.derivative(lambda[a]) * delta
                }
                if rule.trainsReadout {
                    for a in 0..<k { v[a] -= readoutRate * rule.readoutSign(a) * activation.value(lambda[a]) * delta }
                }
                let input: [Double]
                if rule.flipsInputs {
                    for i in 0..<n { dx[i] = d1[i] * x[i] }
                    input = dx
                } else {
                    input = x
                }
                BLAS.ger(rows: k, columns: n, alpha: 1, coefficient, input, &w)
                step += 1
            }
            states.append(SCMState.measure(student: Matrix(rows: k, columns: n, elements: w), readout: v,
                                           teacher: networks.teacher, d1: networks.d1))
        }
        return states
    }
}
