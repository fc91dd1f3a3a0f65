import Foundation
import NumericalKit
import Testing
import SoftCommitteeMachine

@Test func scratchCompare() throws {
    let env = ProcessInfo.processInfo.environment
    let n = Int(env["SCM_N"] ?? "1000")!
    let alphaH = Double(env["SCM_AH"] ?? "0")!
    let flipsR = Int(env["SCM_D2"] ?? "0")!
    let seeds = Int(env["SCM_SEEDS"] ?? "10")!
    let tEnd = Double(env["SCM_T"] ?? "5")!
    let eta = Double(env["SCM_ETA"] ?? "0.5")!
    let scale = Double(env["SCM_SCALE"] ?? "0.5")!
    let nets = try SCMNetworks.random(inputs: n, students: 2, teachers: 2, studentScale: scale, studentReadout: .constant(0.5),
                                      inputFlipFraction: alphaH, seed: 3)
    let rule = SCMRule.curl(inputFlipFraction: nets.inputFlipFraction, flippedReadouts: flipsR, students: 2)
    let sim = try SCMOnlineSGD(networks: nets, rule: rule, rates: SCMLearningRates(firstLayer: eta))
    let flow = try sim.flow()
    let times = (1...10).map { tEnd * Double($0) / 10 }
    var o = SCMFlow.defaultSolveOptions
    o.output = .explicit(times)
    let curve = try flow.learningCurve(from: nets.startState(), endTime: tEnd, options: o)
    var runs: [[Double]] = []
    let clock = ContinuousClock().now
    for s in 0..<seeds {
        let states = try sim.run(recordingAt: times, seed: UInt64(100 + s))
        runs.append(states.map(flow.generalisationError))
    }
    print("sim time", ContinuousClock().now - clock, "ode evals", curve.statistics.functionEvaluations)
    for (i, t) in times.enumerated() {
        let s = try SampleSummary(runs.map { $0[i] })
        print(String(format: "t %.2f ode %.5f sim %.5f +- %.5f  z %.2f", t, curve.generalisationError[i + 1], s.mean, s.standardError,
                     (s.mean - curve.generalisationError[i + 1]) / s.standardError))
    }
}

@Test func scratchFixedPoints() throws {
    for train in [false, true] {
        for k in [2, 3] {
            for a in [0, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5] {
                let rule = SCMRule(inputFlipFraction: a, trainsReadout: train)
                let flow = try SCMFlow(students: k, teacher: .isotropic(units: k, inputFlipFraction: a), rule: rule,
                                       rates: SCMLearningRates(firstLayer: 1, online: false))
                let ev = try flow.jacobianEigenvalues(at: try flow.perfectSolution())
                print("train \(train) K \(k) alphaH \(a): max re", ev.map(\.real).max()!, "min", ev.map(\.real).min()!)
            }
            for d in 0...k where train {
                let flow = try SCMFlow(students: k, teacher: .isotropic(units: k), rule: .curl(flippedReadouts: d, students: k),
                                       rates: SCMLearningRates(firstLayer: 1, online: false))
                let ev = try flow.jacobianEigenvalues(at: try flow.perfectSolution())
                print("K \(k) flipped readouts \(d): max re", ev.map(\.real).max()!, ev.map { String(format: "%.3g%+.3gi", $0.real, $0.imaginary) })
            }
        }
    }
    for k in [2, 3] {
        let p = try SCMSymmetricPlateau(units: k)
        let flow = try SCMFlow(students: k, teacher: .isotropic(units: k), rule: .gradientDescent(trainsReadout: false),
                               rates: SCMLearningRates(firstLayer: 1, online: false))
        print("plateau K \(k) closed", p.q, p.r, p.generalisationError, "ode eps", flow.generalisationError(p.state),
              "velocity", flow.velocity(flow.pack(p.state)).map { abs($0) }.max()!)
        print(" eig", try flow.jacobianEigenvalues(at: p.state).map { String(format: "%.4g%+.3gi", $0.real, $0.imaginary) })
    }
}
