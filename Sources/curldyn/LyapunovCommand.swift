import ArgumentParser
import CurlTheory
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

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

    struct Point: Encodable {
        let alpha: Double
        let flipped: Int
        let exponents: [Double]
        let standardErrors: [Double]
        let confidenceHalfWidths: [Double]
        let q: Double?
        let finalTrainLoss: Double?
        let measuredTime: Double
        let status: String
        let functionEvaluations: Int
    }

    struct Summary: Encodable {
        let inputs: Int
        let hidden: Int
        let ratio: Double
        let layer: String
        let criticalFraction: Double?
        let interval: Double
        let points: [Point]
    }

    func run() throws {
        BLASThreads.pinToOne()
        let shape = try network.shape
        var options = LyapunovOptions(measurementTime: measurementTime)
        options.transientTime = transient
        options.renormalizationInterval = interval
        options.segmentCount = segments
        options.relativeTolerance = rtol
        options.absoluteTolerance = atol
        let progress = ProgressLine()
        var results: [(Double, TrainingProblem, FlowLyapunovResult)] = []
        for a in alpha {
            let rule = LearningRule.curl(flippedInputs: layer == .hidden ? .fraction(a) : .none, flippedHidden: layer == .readout ? .fraction(a) : .none)
            let experiment = try network.experiment(rules: [rule], integrator: .continuous(LearningSolveOptions()), normConstraint: normConstraint)
            let problem = try experiment.problems(seed: seed)[0]
            options.progress = { p in progress.update("lyapunov alpha = \(a): \(String(format: "%.0f", 100 * p.fraction))%") }
            let result = try FullBatchFlow(problem).lyapunovExponents(exponentCount: exponents, options: options, stepper: try Stepper.named(stepper),
                                                                      qWindow: qWindow > 0 ? qWindow : nil, qSamples: Self.qSamples)
            results.append((a, problem, result))
        }
        progress.finish()
        try output.deliver(runOutput(results, shape: shape))
    }

    func runOutput(_ results: [(Double, TrainingProblem, FlowLyapunovResult)], shape: NetworkShape) throws -> RunOutput {
        let flipLayer: FlipLayer = layer == .hidden ? .hidden : .readout
        let critical = try? CriticalFraction.value(c: shape.ratio, layer: flipLayer)
        let points = results.map { a, problem, r in
            Point(alpha: a, flipped: layer == .hidden ? problem.signs.flippedInputs : problem.signs.flippedHidden, exponents: r.spectrum.exponents,
                  standardErrors: r.spectrum.standardErrors, confidenceHalfWidths: r.spectrum.confidenceHalfWidths, q: r.q.isNaN ? nil : r.q,
                  finalTrainLoss: r.finalTrainLoss.isNaN ? nil : r.finalTrainLoss, measuredTime: r.spectrum.measuredTime,
                  status: r.spectrum.status.summary, functionEvaluations: r.spectrum.statistics.functionEvaluations)
        }
        let parameters = network.parameters(trainCount: network.trainCount) + [
            ("layer", layer.rawValue), ("alphas", alpha.map { "\($0)" }.joined(separator: ",")), ("exponents", "\(exponents)"),
            ("transient", "\(transient)"), ("time", "\(measurementTime)"), ("interval", "\(interval)"), ("segments", "\(segments)"),
            ("q_window", "\(qWindow)"), ("norm_constraint", "\(normConstraint)"), ("stepper", stepper), ("rtol", "\(rtol)"), ("atol", "\(atol)"),
        ]
        let provenance = Provenance.thisRun(parameters: parameters, seed: seed, notes: [
            "Lyapunov exponents (per unit flow time) of the full-batch flow by Benettin's method" + (normConstraint ? ", on the product of the weight spheres" : ""),
            "se, ci95: standard error and 95% half-width of lambda_1 over \(segments) consecutive segments",
        ])
        let mainRows = points.map { p in
            [p.alpha, Double(p.flipped), p.exponents[0], p.standardErrors[0], p.confidenceHalfWidths[0], p.exponents.reduce(0, +),
             p.q ?? .nan, p.finalTrainLoss ?? .nan, p.measuredTime]
        }
        let main = DataFile(header: provenance,
                            columns: ["alpha", "flipped", "lambda_1", "lambda_1_se", "lambda_1_ci95", "sum_lambda", "q", "final_train_loss", "measured_time"],
                            dataSets: [.init(title: String(format: "c = %.3f (M = %d, N = %d), %@ flips", shape.ratio, shape.inputs, shape.hidden, layer.rawValue), rows: mainRows)])
        let exponentColumns = (1...exponents).map { "lambda_\($0)" }
        let running = DataFile(header: provenance, columns: ["t"] + exponentColumns, dataSets: results.map { a, _, r in
            .init(title: "alpha = \(a): running estimates", rows: zip(r.spectrum.runningTimes, r.spectrum.runningEstimates).map { [$0] + $1 })
        })
        let segmentFile = DataFile(header: provenance, columns: ["segment"] + exponentColumns, dataSets: results.map { a, _, r in
            .init(title: "alpha = \(a): exponents per segment", rows: r.spectrum.segmentExponents.enumerated().map { [Double($0.offset)] + $0.element })
        })
        let criticalFile = DataFile(header: provenance, columns: ["c", "alpha_c"],
                                    dataSets: [.init(title: "theory alpha_c(c), \(layer.rawValue) flips", rows: [[shape.ratio, critical ?? .nan]])])
        let figure = try output.figure("lyapunov.gp", name: "\(name).png") { path in
            [path("\(name).dat"), path("\(name)_critical.dat"),
             String(format: "Lyapunov exponent of the learning flow, %@ flips, M = %d, N = %d, seed %llu", layer.rawValue, shape.inputs, shape.hidden, seed)]
        }
        let lines = points.map { p in
            var line = String(format: "alpha = %.3f (%d flipped): lambda_1 = %.4f +- %.4f (95%%: +- %.4f)", p.alpha, p.flipped, p.exponents[0],
                              p.standardErrors[0], p.confidenceHalfWidths[0])
            if exponents > 1 { line += "  all: " + p.exponents.map { String(format: "%.4f", $0) }.joined(separator: " ") }
            if let q = p.q { line += String(format: "  q = %.3g", q) }
            if let loss = p.finalTrainLoss { line += String(format: "  train loss %.3g", loss) }
            if p.status != ODEStatus.completed.summary { line += "  [\(p.status)]" }
            return line
        } + [critical.map { String(format: "theory: alpha_%@^c(c = %.3f) = %.3f", layer == .hidden ? "h" : "r", shape.ratio, $0) } ?? "theory: no critical fraction at this c"]
        let summary = Summary(inputs: shape.inputs, hidden: shape.hidden, ratio: shape.ratio, layer: layer.rawValue, criticalFraction: critical,
                              interval: results.first?.2.spectrum.interval ?? interval, points: points)
        return RunOutput(command: "lyapunov", provenance: provenance,
                         files: [.init(label: "data", name: "\(name).dat", table: main), .init(label: "running", name: "\(name)_running.dat", table: running),
                                 .init(label: "segments", name: "\(name)_segments.dat", table: segmentFile),
                                 .init(label: "critical", name: "\(name)_critical.dat", table: criticalFile)],
                         figure: figure, summary: lines, results: try JSONTreeEncoder.encode(summary),
                         warnings: points.filter { $0.status != ODEStatus.completed.summary }.map { "alpha = \($0.alpha): \($0.status); its exponents cover t = \($0.measuredTime)" })
    }
}
