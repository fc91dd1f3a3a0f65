import Foundation
import Testing
@testable import NumericalKit

// Guards that keep a solve from running forever or returning blown-up states as data.

private let guardedSteppers = ["rk8pd", "rkf45", "rkck", "rk4", "rk2", "msadams", "msbdf", "bsimp", "rk4imp"]

/// y' = -y, y(0) = 1.
private func decay(end: Double = 1) -> ODEProblem {
    ODEProblem(initialState: [1], endTime: end) { _, y, f in f[0] = -y[0] }
}

@Test("relative tolerances below 100 machine epsilons are refused, whatever the stepper", arguments: guardedSteppers)
func unreachableRelativeTolerancesAreRefused(stepperName: String) throws {
    let stepper = try Stepper.named(stepperName) { _, _, dfdy, dfdt in dfdy[0] = -1; dfdt[0] = 0 }
    for rtol in [1e-300, 1e-20, 1e-15, 0.99 * ODESolveOptions.smallestRelativeTolerance] {
        var options = ODESolveOptions()
        options.relativeTolerance = rtol
        options.absoluteTolerance = 1e-300
        #expect(throws: NumericalError.self, "rtol \(rtol) with \(stepperName)") {
            _ = try solve(decay(end: 0.02), stepper, options: options)
        }
    }
    // The limit itself is met: the solve completes.
    var options = ODESolveOptions()
    options.relativeTolerance = ODESolveOptions.smallestRelativeTolerance
    options.absoluteTolerance = 1e-300
    options.output = .linear(count: 3)
    let solution = try solve(decay(end: 0.02), stepper, options: options)
    #expect(solution.status == .completed, "\(stepperName): \(solution.status.summary)")
}

@Test("pure absolute error control below the round-off of the state is refused; at it the solve completes")
func unreachableAbsoluteToleranceIsRefused() throws {
    let problem = ODEProblem(initialState: [1e3, -2e3], endTime: 1) { _, y, f in f[0] = -y[0]; f[1] = -y[1] }
    var options = ODESolveOptions()
    options.relativeTolerance = 0
    options.absoluteTolerance = 1e-300
    #expect(throws: NumericalError.self) { _ = try solve(problem, .rk8pd, options: options) }
    options.absoluteTolerance = ODESolveOptions.smallestRelativeTolerance * 2e3
    let solution = try solve(problem, .rk8pd, options: options)
    #expect(solution.status == .completed, "\(solution.status.summary)")
}

@Test("an exhausted evaluation budget ends a stiff solve on an explicit stepper with maxStepsExceeded, promptly")
func evaluationBudgetEndsAStiffSolve() throws {
    // y' = -1e7 (y - cos t): explicit steppers are held to h ~ 1e-7 by stability, so reaching t = 100 would take
    // about 1e9 steps; the budget of 20 000 evaluations stops it early.
    let problem = ODEProblem(initialState: [1], endTime: 100) { t, y, f in f[0] = -1e7 * (y[0] - cos(t)) }
    var options = ODESolveOptions()
    options.maxFunctionEvaluations = 20_000
    options.output = .linear(count: 3)
    let solution = try solve(problem, .rkf45, options: options)
    guard case .maxStepsExceeded(let time) = solution.status else {
        Issue.record("expected .maxStepsExceeded, got \(solution.status.summary)")
        return
    }
    #expect(!solution.status.isSuccess)
    #expect(solution.statistics.functionEvaluations <= 20_000)
    #expect(time < 100 && time == solution.finalTime)
    #expect(solution.finalState.allSatisfy { $0.isFinite })
    #expect(abs(solution.finalState[0] - cos(time)) < 1e-3, "the returned state is on the true solution (y ~ cos t)")
}

@Test("a state norm above divergenceNormBound is reported as divergence, and nothing past it is returned")
func normBoundDeclaresDivergence() throws {
    // y = (e^t, e^t) / sqrt 2 has norm e^t: it crosses 100 at t = ln 100.
    let problem = ODEProblem(initialState: [(0.5).squareRoot(), (0.5).squareRoot()], endTime: 10) { _, y, f in f[0] = y[0]; f[1] = y[1] }
    var options = ODESolveOptions()
    options.divergenceNormBound = 100
    options.output = .linear(count: 101)
    let solution = try solve(problem, .rk8pd, options: options)
    guard case .diverged(let time, let reason) = solution.status else {
        Issue.record("expected .diverged, got \(solution.status.summary)")
        return
    }
    #expect(reason.contains("norm"))
    #expect(time > log(100) && time < log(100) + 1, "reported at t = \(time)")
    #expect(solution.times.allSatisfy { $0 <= log(100) })
    #expect(Vector.norm(solution.finalState) <= 100)
    // Without the bound the same solve completes: the check, not the problem, ended it.
    options.divergenceNormBound = nil
    let unbounded = try solve(problem, .rk8pd, options: options)
    #expect(unbounded.status == .completed)
}

@Test("invalid budgets and norm bounds are refused")
func invalidBudgetsAreRefused() {
    var options = ODESolveOptions()
    options.maxFunctionEvaluations = 0
    #expect(throws: NumericalError.self) { _ = try solve(decay(), .rk8pd, options: options) }
    options = ODESolveOptions()
    options.divergenceNormBound = .nan
    #expect(throws: NumericalError.self) { _ = try solve(decay(), .rk8pd, options: options) }
}
