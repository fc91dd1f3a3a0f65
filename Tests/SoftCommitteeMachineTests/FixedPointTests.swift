import Foundation
import NumericalKit
import Testing
import SoftCommitteeMachine

// The Saad-Solla plateau and the perfect solution: closed forms (DERIVATION.md section 5) against the ODE.

private func gradientFlow(_ k: Int, alphaH: Double = 0, flippedReadouts: Int = 0, trainsReadout: Bool = true) throws -> SCMFlow {
    try SCMFlow(students: k, teacher: .isotropic(units: k, inputFlipFraction: alphaH),
                rule: .curl(inputFlipFraction: alphaH, flippedReadouts: flippedReadouts, students: k, trainsReadout: trainsReadout),
                rates: SCMLearningRates(firstLayer: 1, online: false))
}

@Test("the closed-form symmetric plateau is a fixed point of the K = M = 2, 3 gradient flow with the closed-form error, and a saddle",
      arguments: [2, 3])
func symmetricPlateauIsASaddleOfTheFlow(k: Int) throws {
    let plateau = try SCMSymmetricPlateau(units: k)
    let flow = try gradientFlow(k, trainsReadout: false)
    #expect(flow.velocity(flow.pack(plateau.state)).allSatisfy { abs($0) < 1e-14 })
    #expect(abs(flow.generalisationError(plateau.state) - plateau.generalisationError) < 1e-14)
    // Literature values of (K/pi)(pi/6 - K arcsin(1/(2K))).
    #expect(abs(plateau.generalisationError - (k == 2 ? 0.0116108403 : 0.0202965887)) < 1e-9)
    // A saddle: unstable directions exist (escape), and the plateau is not the end of learning.
    let unstable = try flow.jacobianEigenvalues(at: plateau.state).filter { $0.real > 1e-6 }
    #expect(!unstable.isEmpty)
    // The state off the symmetric point does not stay: a wrong R is not a fixed point.
    var off = plateau.state
    off.r[0, 0] += 0.01
    #expect(flow.velocity(flow.pack(off)).map { abs($0) }.max()! > 1e-4)
}

@Test("GD from a small random start (K = M = 2, 3): the curve sits on the closed-form plateau, Newton refines the plateau state to it, and eps_g -> 0",
      arguments: [2, 3])
func gradientDescentPlateauAndAsymptoticError(k: Int) throws {
    let nets = try SCMNetworks.random(inputs: 10_000, students: k, teachers: k, studentScale: 0.1, seed: 1)
    let flow = try gradientFlow(k, trainsReadout: false)
    var options = SCMFlow.defaultSolveOptions
    options.output = .explicit([10, 20, 1500])
    let curve = try flow.learningCurve(from: nets.startState(), endTime: 1500, options: options)
    let plateau = try SCMSymmetricPlateau(units: k)
    #expect(curve.status == .completed)
    // alpha = 10 and 20 lie on the plateau (it lasts until alpha ~ 60 from R ~ 1e-3).
    for i in [1, 2] { #expect(abs(curve.generalisationError[i] - plateau.generalisationError) < 2e-5, "eps_g \(curve.generalisationError[i])") }
    // The plateau is not hyperbolic (the Jacobian has zero eigenvalues along Q_kk - Q_kl), so Newton stops on a
    // fixed point within ~1e-6 of the closed form along that direction, with the closed-form error.
    let refined = try flow.refineFixedPoint(from: curve.states[2])
    #expect(Vector.maxAbsDifference(refined.r.elements, plateau.state.r.elements) < 1e-5)
    #expect(Vector.maxAbsDifference(refined.q.elements, plateau.state.q.elements) < 1e-5)
    #expect(abs(flow.generalisationError(refined) - plateau.generalisationError) < 1e-10)
    // Gradient descent then learns the teacher exactly: eps_g -> 0 and R -> a permutation of I.
    #expect(abs(curve.finalError) < 1e-10)
    let r = curve.finalState.r
    for a in 0..<k { #expect(abs((0..<k).map { abs(r[a, $0]) }.max()! - 1) < 1e-8) }
}

@Test("the perfect solution is stable under GD and unstable under any input flip, at GD's fastest decay rate; one flipped readout suffices",
      arguments: [2, 3])
func curlDestabilisesThePerfectSolution(k: Int) throws {
    for trains in [true, false] {
        let gd = try gradientFlow(k, trainsReadout: trains)
        let spectrum = try gd.jacobianEigenvalues(at: try gd.perfectSolution())
        #expect(spectrum.allSatisfy { $0.real < -1e-4 }, "GD spectrum \(spectrum.map(\.real))")
        for alphaH in [0.01, 0.3] {
            let curl = try gradientFlow(k, alphaH: alphaH, trainsReadout: trains)
            let growth = try curl.leadingGrowthRate(at: try curl.perfectSolution())
            // Error confined to the flipped coordinates grows as fast as GD removes error from unflipped ones.
            #expect(abs(growth + spectrum.first!.real) < 1e-6 * abs(growth), "growth \(growth), GD fastest decay \(spectrum.first!.real)")
        }
    }
    let oneFlip = try gradientFlow(k, flippedReadouts: 1)
    #expect(try oneFlip.leadingGrowthRate(at: try oneFlip.perfectSolution()) > 1e-3)
    let critical = try SCMCriticalCurl.inputFlipFraction(lower: 0, upper: 0.5, tolerance: 1e-6) { try gradientFlow(k, alphaH: $0) }
    #expect(critical != nil && critical! < 1e-5)
}
