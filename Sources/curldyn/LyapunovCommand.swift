import ArgumentParser
import CurlTheory
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit
import Studies

/// `curldyn lyapunov`: the leading Lyapunov exponents of the full-batch learning flow against the fraction of
/// rule-flipped neurons, beside the order parameter q.
struct LyapunovCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lyapunov",
        abstract: "Lyapunov exponents of the full-batch learning flow against the flipped fraction, beside q.",
        discussion: """
        For each --alpha, curl descent with that fraction of rule-flipped neurons in --layer (hidden: input neurons, \
        D1; readout: hidden neurons, D2) runs the full-batch flow on P teacher-labelled samples while Benettin's \
        method measures the --exponents leading Lyapunov exponents (tangent vectors advanced with the analytic \
        Jacobian-vector product, QR re-orthonormalised every --interval) after a --transient, over --time split \
        into --segments (standard error and 95% interval over segments); then q over --q-window time units of the \
        same trajectory. With --norm-constraint the exponents are those of the flow on the product of the two \
        weight spheres (the two trivial normal directions are left out). Times are flow times: one epoch of the \
        reference's discrete protocol at learning rate lr is lr time units. Writes OUT/NAME.dat (alpha, flipped, \
        lambda_1, its standard error and interval half-width, the sum of the exponents, q, final train loss, \
        measured time), OUT/NAME_running.dat (the running estimates against time, one set per alpha), \
        OUT/NAME_segments.dat (per-segment exponents) and OUT/NAME.png. Reproduce the paper's Fig. 3b setting with \
        --start teacher-shifted --shift-w2 1e-10 --normalized-teacher --norm-constraint.
        """)

    enum Layer: String, ExpressibleByArgument, CaseIterable { case hidden, readout }

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(help: "Which layer's rule is flipped: hidden (fraction alpha_h of the input neurons) or readout (fraction alpha_r of the hidden neurons).") var layer: Layer = .hidden
    @Option(parsing: .upToNextOption, help: "Flipped fractions to measure, in [0, 1].") var alpha: [Double] = [0, 0.5, 1]
    @Option(parsing: .unconditional, help: "Number of leading exponents.") var exponents = 1
    @Option(parsing: .unconditional, help: "Transient flow time, integrated but not measured.") var transient = 200.0
    @Option(name: .customLong("time"), parsing: .unconditional, help: "Measured flow time after the transient.") var measurementTime = 400.0
    @Option(parsing: .unconditional, help: "Flow time between re-orthonormalisations (tau).") var interval = 1.0
    @Option(parsing: .unconditional, help: "Segments of the measured time for the standard error (at least 2).") var segments = 10
    @Option(parsing: .unconditional, help: "Order parameter q over this flow time after the measurement (0: none; the reference's 999 epochs at lr 0.1 are 99.9).") var qWindow = 99.9
    @Flag(help: "Keep |W1|_F and |W2| at their initial values (the reference's main experiments).") var normConstraint = false
    @Option(help: "Explicit GSL stepper: rk8pd, rkf45, rkck, rk4, rk2, msadams.") var stepper = "rk8pd"
    @Option(parsing: .unconditional, help: "Relative tolerance of the stepper.") var rtol = 1e-9
    @Option(parsing: .unconditional, help: "Absolute tolerance of the stepper.") var atol = 1e-9
    @Option(parsing: .unconditional, help: "Seed of the teacher, the start, the data and the initial tangent vectors.") var seed: UInt64 = 1
    @Option(help: "Base name of the output files.") var name = "lyapunov"

    static let qSamples = 1000

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        guard !alpha.isEmpty, alpha.allSatisfy({ $0 >= 0 && $0 <= 1 }) else { throw ValidationError("--alpha takes fractions in [0, 1]") }
        let dimension = network.inputs * network.hidden + network.hidden
        guard exponents >= 1, exponents <= dimension - (normConstraint ? 2 : 0) else {
            throw ValidationError("--exponents must lie in 1...\(dimension - (normConstraint ? 2 : 0)) (the flow's dimension\(normConstraint ? " on the norm spheres" : ""))")
        }
        guard transient >= 0, transient.isFinite else { throw ValidationError("--transient must be non-negative") }
        guard measurementTime > 0, measurementTime.isFinite else { throw ValidationError("--time must be positive") }
        guard interval > 0, interval <= measurementTime / Double(max(segments, 1)) else {
            throw ValidationError("--interval must be positive and at most --time / --segments")
        }
        guard segments >= 2 else { throw ValidationError("--segments must be at least 2") }
        guard qWindow >= 0, qWindow.isFinite else { throw ValidationError("--q-window must be non-negative") }
        guard ["rk8pd", "rkf45", "rkck", "rk4", "rk2", "msadams"].contains(stepper) else {
            throw ValidationError("--stepper must be an explicit stepper (rk8pd, rkf45, rkck, rk4, rk2, msadams), got '\(stepper)'")
        }
        guard rtol >= ODESolveOptions.smallestRelativeTolerance, atol > 0 else { throw ValidationError("--rtol must be at least 2.2e-14 and --atol positive") }
        guard network.teacherHidden == nil || network.teacherHidden == network.hidden || network.start == .random else {
            throw ValidationError("a start on the teacher needs --teacher-hidden equal to --hidden")
        }
        try requireMemory(numbers: memoryNumbers, for: "curldyn lyapunov with these sizes")
        try rethrowingAsValidation { _ = try network.shape }
    }

    /// The state with its tangents in the stepper (~20 copies of n (k + 1) numbers), the q window's states, the data
    /// and the per-sample buffers of a nonlinear network.
    var memoryNumbers: Double {
        let (m, n) = (Double(network.inputs), Double(network.hidden))
        let d = n * m + n
        let samples = Double(network.trainCount + network.testSize)
        return 20 * d * Double(exponents + 1) + (qWindow > 0 ? Double(Self.qSamples) * d : 0) + samples * (m + 6 * n + 3) + m * m
            + network.runNumbers(finiteData: true, implicit: false)
    }

    func run() throws {
        BLASThreads.pinToOne()
        var options = LyapunovOptions(measurementTime: measurementTime)
        options.transientTime = transient
        options.renormalizationInterval = interval
        options.segmentCount = segments
        options.relativeTolerance = rtol
        options.absoluteTolerance = atol
        let experiment = { (rule: LearningRule) throws -> TrainingProblem in
            try network.experiment(rules: [rule], integrator: .continuous(LearningSolveOptions()), normConstraint: normConstraint).problems(seed: seed)[0]
        }
        let study = FlowLyapunovStudy(experiment: experiment, shape: try network.shape, layer: layer == .hidden ? .hidden : .readout, alphas: alpha,
                                      exponentCount: exponents, options: options, stepper: try Stepper.named(stepper),
                                      qWindow: qWindow > 0 ? qWindow : nil, qSamples: Self.qSamples, seed: seed)
        let progress = ProgressLine()
        let report = try study.run { a, fraction in progress.update("lyapunov alpha = \(a): \(String(format: "%.0f", 100 * fraction))%") }
        progress.finish()
        try output.deliver(report, command: "lyapunov", baseName: name, parameters: network.parameters(trainCount: network.trainCount) + [
            ("layer", layer.rawValue), ("alphas", alpha.map { "\($0)" }.joined(separator: ",")), ("exponents", "\(exponents)"),
            ("transient", "\(transient)"), ("time", "\(measurementTime)"), ("interval", "\(interval)"), ("segments", "\(segments)"),
            ("q_window", "\(qWindow)"), ("norm_constraint", "\(normConstraint)"), ("stepper", stepper), ("rtol", "\(rtol)"), ("atol", "\(atol)"),
        ], seed: seed)
    }
}
