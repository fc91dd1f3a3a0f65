import ArgumentParser
import Foundation
import GnuplotIO
import NumericalKit
import SoftCommitteeMachine

/// `curldyn scm`: the soft committee machine's exact order-parameter dynamics under GD and curl descent.
struct SCMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scm",
        abstract: "Soft committee machine (N -> infinity): order-parameter ODEs for GD and curl descent, fixed points, flip sweeps.",
        discussion: "Derivation: Sources/SoftCommitteeMachine/DERIVATION.md. Time is alpha = steps / N; g = erf(z / sqrt 2).",
        subcommands: [SCMCurve.self, SCMFixedPointsCommand.self, SCMSweep.self])
}

/// The model options every `scm` subcommand shares.
struct SCMModelOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Student hidden units K.") var students = 2
    @Option(parsing: .unconditional, help: "Teacher hidden units M (default: K).") var teachers: Int?
    @Option(parsing: .unconditional, help: "First-layer learning rate eta.") var eta = 1.0
    @Option(parsing: .unconditional, help: "Readout learning rate eta_v (default: eta).") var etaV: Double?
    @Flag(help: "Gradient-flow limit: drop the eta^2 terms of online SGD.") var gradientFlow = false
    @Flag(help: "Keep the readout fixed at its start.") var fixedReadout = false
    @Option(parsing: .unconditional, help: "Inputs N of the explicit networks that set the start (and of the SGD simulation).") var inputs = 10_000
    @Option(parsing: .unconditional, help: "Standard deviation of the student's first-layer weights at the start.") var studentScale = 0.1
    @Option(parsing: .unconditional, help: "The student's readout at the start (every unit).") var readoutStart = 1.0
    @Option(parsing: .unconditional, help: "Seed of the teacher, the student start, the flipped inputs and the samples.") var seed: UInt64 = 1

    var m: Int { teachers ?? students }
    var rates: SCMLearningRates { SCMLearningRates(firstLayer: eta, readout: etaV, online: !gradientFlow) }

    func validateModel() throws {
        guard (1...20).contains(students), (1...20).contains(m) else { throw ValidationError("--students and --teachers must lie in 1...20") }
        guard eta > 0, eta.isFinite, (etaV ?? eta) >= 0, (etaV ?? eta).isFinite else { throw ValidationError("need --eta > 0 and --eta-v >= 0, finite") }
        guard (10...1_000_000).contains(inputs) else { throw ValidationError("--inputs must lie in 10...1000000") }
        guard studentScale > 0, studentScale.isFinite, readoutStart.isFinite else { throw ValidationError("need --student-scale > 0 and a finite --readout-start") }
        try requireMemory(numbers: Double((students + m) * inputs * 3), for: "curldyn scm with these sizes")
    }

    func rule(alphaH: Double, flippedReadouts: Int) -> SCMRule {
        .curl(inputFlipFraction: alphaH, flippedReadouts: flippedReadouts, students: students, trainsReadout: !fixedReadout)
    }

    /// Explicit networks of N inputs whose order parameters start the ODE.
    func networks(alphaH: Double) throws -> SCMNetworks {
        try SCMNetworks.random(inputs: inputs, students: students, teachers: m, studentScale: studentScale,
                               studentReadout: .constant(readoutStart), inputFlipFraction: alphaH, seed: seed)
    }

    var parameters: [(String, String)] {
        [("K", "\(students)"), ("M", "\(m)"), ("eta", "\(eta)"), ("eta_v", "\(etaV ?? eta)"), ("protocol", gradientFlow ? "gradient flow" : "online SGD"),
         ("readout", fixedReadout ? "fixed" : "trained"), ("N_start", "\(inputs)"), ("student_scale", "\(studentScale)"),
         ("readout_start", "\(readoutStart)"), ("activation", "erf"), ("gsl", GSL.version)]
    }
}

private func checkedName(_ name: String) throws {
    guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
}

/// `curldyn scm curve`: one learning curve from the ODE, and optionally the online-SGD simulation beside it.
struct SCMCurve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "curve",
        abstract: "Learning curve eps_g(alpha) of the order-parameter ODE (GSL rk8pd), optionally against direct online SGD.",
        discussion: """
        The start is the order parameters of explicit random networks with --inputs N inputs; the teacher's T and T~ are \
        measured from the same networks. With --simulate S, S seeds of online SGD run the same networks, and columns 3 and 4 \
        of OUT/NAME.dat hold the mean eps_g over seeds and its standard error (columns: alpha, eps_ode, eps_sim, se_sim).
        """)

    @OptionGroup(title: "Model") var model: SCMModelOptions
    @Option(parsing: .unconditional, help: "Fraction alpha_h of flipped input coordinates (D1).") var alphaH = 0.0
    @Option(parsing: .unconditional, help: "Number of hidden units whose readout update is flipped (D2).") var flippedReadouts = 0
    @Option(parsing: .unconditional, help: "End time alpha.") var time = 10.0
    @Option(parsing: .unconditional, help: "Output points.") var points = 101
    @Option(parsing: .unconditional, help: "Seeds of online SGD to run beside the ODE (0: none).") var simulate = 0
    @Option(help: "Base name of the output files.") var name = "scm_curve"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        try checkedName(name)
        try model.validateModel()
        guard (0...1).contains(alphaH) else { throw ValidationError("--alpha-h must lie in [0, 1]") }
        guard (0...model.students).contains(flippedReadouts) else { throw ValidationError("--flipped-readouts must lie in 0...K") }
        guard time > 0, time.isFinite, time <= 1e6 else { throw ValidationError("--time must lie in (0, 1e6]") }
        guard (2...100_000).contains(points) else { throw ValidationError("--points must lie in 2...100000") }
        guard (0...10_000).contains(simulate) else { throw ValidationError("--simulate must lie in 0...10000") }
        guard simulate == 0 || !model.gradientFlow else { throw ValidationError("--simulate runs online SGD; drop --gradient-flow") }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let nets = try model.networks(alphaH: alphaH)
        let rule = model.rule(alphaH: nets.inputFlipFraction, flippedReadouts: flippedReadouts)
        let simulation = try SCMOnlineSGD(networks: nets, rule: rule, rates: model.rates)
        let flow = try simulation.flow()
        var options = SCMFlow.defaultSolveOptions
        options.output = .linear(count: points)
        let curve = try flow.learningCurve(from: nets.startState(), endTime: time, options: options)
        var mean = Array(repeating: Double.nan, count: curve.times.count), error = mean
        if simulate > 0 {
            let runs = try (0..<simulate).map { s in
                try simulation.run(recordingAt: curve.times, seed: model.seed &+ UInt64(1000 + s)).map(flow.generalisationError)
            }
            for i in curve.times.indices {
                let summary = try SampleSummary(runs.map { $0[i] })
                (mean[i], error[i]) = (summary.mean, simulate > 1 ? summary.standardError : .nan)
            }
        }
        let rows = curve.times.indices.map { [curve.times[$0], curve.generalisationError[$0], mean[$0], error[$0]] }
        let provenance = Provenance.thisRun(parameters: model.parameters + [("alpha_h", "\(nets.inputFlipFraction)"), ("flipped_readouts", "\(flippedReadouts)"),
                                                                            ("simulated_seeds", "\(simulate)")],
                                            seed: model.seed, notes: ["order-parameter ODE integrated by \(curve.stepper), tolerances 1e-10; simulation: online SGD at N = \(model.inputs)"])
        let title = "\(rule.name) alpha_h=\(String(format: "%.3g", nets.inputFlipFraction)) flipped_readouts=\(flippedReadouts) status=\(curve.status.summary)"
        let table = DataFile(header: provenance, columns: ["alpha", "eps_g_ode", "eps_g_sim_mean", "eps_g_sim_se"], dataSets: [.init(title: title, rows: rows)])
        let figure = try output.figure("scm_curves.gp", name: "\(name).png") { path in
            [path("\(name).dat"), "K=\(model.students), M=\(model.m), eta=\(model.eta), seed \(model.seed)"]
        } titles: { [title.components(separatedBy: " status").first!] }
        var lines = [String(format: "%@: eps_g %.6g -> %.6g at alpha = %g  [%@; %d evaluations]", rule.name, curve.generalisationError.first!,
                            curve.finalError, curve.times.last!, curve.status.summary, curve.statistics.functionEvaluations)]
        if simulate > 0 {
            let z = rows.compactMap { r in r[3] > 0 ? abs(r[2] - r[1]) / r[3] : nil }.max() ?? .nan
            lines.append(String(format: "online SGD (N = %d, %d seeds): final eps_g %.6g +- %.2g; largest |mean - ODE| / SE along the curve %.2f",
                                model.inputs, simulate, mean.last!, error.last!, z))
        }
        try output.deliver(RunOutput(command: "scm curve", provenance: provenance, files: [.init(label: "data", name: "\(name).dat", table: table)],
                                     figure: figure, summary: lines,
                                     results: .object(["final_eps_g": .number(curve.finalError), "status": .string(curve.status.summary)])))
    }
}

/// `curldyn scm fixed-points`: the symmetric plateau and the perfect solution, their Jacobian spectra, and the
/// critical curl strengths.
struct SCMFixedPointsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixed-points",
        abstract: "Jacobian eigenvalues at the perfect solution and the symmetric plateau (K = M, T = I), for GD and curl descent.",
        discussion: """
        The teacher is isotropic (T = I, T~ = (1 - 2 alpha_h) I, v* = 1). The plateau is Saad & Solla's symmetric fixed point of the \
        gradient flow with readouts fixed at 1, in closed form. OUT/NAME.dat holds the perfect solution's leading growth rate \
        against alpha_h (set 0) and against the number of flipped readouts (set 1).
        """)

    @Option(parsing: .unconditional, help: "Hidden units K = M.") var units = 2
    @Option(parsing: .unconditional, help: "Learning rate eta = eta_v (the eigenvalues scale with it).") var eta = 1.0
    @Option(parsing: .upToNextOption, help: "Input flip fractions alpha_h at which to report the perfect solution's spectrum.") var alphaH: [Double] = [0, 0.01, 0.1, 0.3, 0.5]
    @Option(help: "Base name of the output file.") var name = "scm_fixed_points"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        try checkedName(name)
        guard (1...10).contains(units) else { throw ValidationError("--units must lie in 1...10") }
        guard eta > 0, eta.isFinite else { throw ValidationError("--eta must be positive") }
        guard !alphaH.isEmpty, alphaH.allSatisfy({ (0...1).contains($0) }) else { throw ValidationError("--alpha-h values must lie in [0, 1]") }
    }

    func flow(alphaH: Double = 0, flippedReadouts: Int = 0, trainsReadout: Bool = true) throws -> SCMFlow {
        try SCMFlow(students: units, teacher: .isotropic(units: units, inputFlipFraction: alphaH),
                    rule: .curl(inputFlipFraction: alphaH, flippedReadouts: flippedReadouts, students: units, trainsReadout: trainsReadout),
                    rates: SCMLearningRates(firstLayer: eta, online: false))
    }

    func run() throws {
        let format = { (e: [SCMEigenvalue]) in e.suffix(4).map { String(format: $0.imaginary == 0 ? "%.4g" : "%.4g%+.3gi", $0.real, $0.imaginary) }.joined(separator: ", ") }
        var lines: [String] = []
        let plateau = try SCMSymmetricPlateau(units: units)
        let fixed = try flow(trainsReadout: false)
        let residual = fixed.velocity(fixed.pack(plateau.state)).map { abs($0) }.max()!
        let plateauSpectrum = try fixed.jacobianEigenvalues(at: plateau.state)
        lines.append(String(format: "symmetric plateau (fixed readouts 1, closed form): Q = C = %.6f, R = %.6f, eps_g = %.8f; ODE eps_g there %.8f, |velocity| %.1e",
                            plateau.q, plateau.r, plateau.generalisationError, fixed.generalisationError(plateau.state), residual))
        lines.append("  largest plateau eigenvalues: " + format(plateauSpectrum)
                     + "  (\(plateauSpectrum.filter { $0.real > 1e-6 }.count) unstable)")
        var alphaRows: [[Double]] = []
        for a in alphaH {
            for trains in [true, false] {
                let f = try flow(alphaH: a, trainsReadout: trains)
                let spectrum = try f.jacobianEigenvalues(at: try f.perfectSolution())
                if trains { alphaRows.append([a, spectrum.last!.real, spectrum.first!.real]) }
                lines.append("perfect solution, alpha_h = \(a), readout \(trains ? "trained" : "fixed"): largest eigenvalues " + format(spectrum))
            }
        }
        var readoutRows: [[Double]] = []
        for d in 0...units {
            let f = try flow(flippedReadouts: d)
            let spectrum = try f.jacobianEigenvalues(at: try f.perfectSolution())
            readoutRows.append([Double(d), spectrum.last!.real, spectrum.first!.real])
            lines.append("perfect solution, \(d) flipped readout\(d == 1 ? "" : "s"): largest eigenvalues " + format(spectrum))
        }
        let critical = try SCMCriticalCurl.inputFlipFraction(lower: 0, upper: 0.5, tolerance: 1e-6) { try flow(alphaH: $0) }
        let criticalReadouts = readoutRows.first { $0[1] > 0 }.map { Int($0[0]) }
        lines.append("critical alpha_h (perfect solution's leading eigenvalue crosses 0): " + (critical.map { $0 < 1e-5 ? "0 (any alpha_h > 0; bisection stops at its tolerance 1e-6)" : String(format: "%.4g", $0) } ?? "none in [0, 0.5]")
                     + "; critical number of flipped readouts: " + (criticalReadouts.map(String.init) ?? "none"))
        let provenance = Provenance.thisRun(parameters: [("K", "\(units)"), ("M", "\(units)"), ("eta", "\(eta)"), ("gsl", GSL.version)], seed: nil,
                                            notes: ["gradient-flow Jacobian by central differences; at the perfect solution the eta^2 terms have zero Jacobian"])
        let table = DataFile(header: provenance, columns: ["alpha_h_or_flipped_readouts", "largest_real_eigenvalue", "smallest_real_eigenvalue"],
                             dataSets: [.init(title: "input flips alpha_h (trained readouts)", rows: alphaRows),
                                        .init(title: "flipped readouts", rows: readoutRows)])
        try output.deliver(RunOutput(command: "scm fixed-points", provenance: provenance, files: [.init(label: "data", name: "\(name).dat", table: table)],
                                     figure: nil, summary: lines,
                                     results: .object(["plateau_eps_g": .number(plateau.generalisationError),
                                                       "critical_alpha_h": critical.map { .number($0) } ?? .null,
                                                       "critical_flipped_readouts": criticalReadouts.map { .integer(Int64($0)) } ?? .null])))
    }
}

/// `curldyn scm sweep`: plateau escape against the number of flipped readouts.
struct SCMSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Plateau escape time (first alpha with eps_g <= --threshold) and final eps_g against the number of flipped readouts.",
        discussion: "One ODE curve per number of flipped readouts 0...K from the same start; OUT/NAME.dat holds the curves (one set each) and the summary the escape times.")

    @OptionGroup(title: "Model") var model: SCMModelOptions
    @Option(parsing: .unconditional, help: "Fraction alpha_h of flipped input coordinates (D1), the same for every run.") var alphaH = 0.0
    @Option(parsing: .unconditional, help: "End time alpha.") var time = 1000.0
    @Option(parsing: .unconditional, help: "Escape threshold on eps_g.") var threshold = 1e-3
    @Option(help: "Base name of the output files.") var name = "scm_sweep"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        try checkedName(name)
        try model.validateModel()
        guard !model.fixedReadout else { throw ValidationError("readout flips act on the readout's update; drop --fixed-readout") }
        guard (0...1).contains(alphaH) else { throw ValidationError("--alpha-h must lie in [0, 1]") }
        guard time > 0, time.isFinite, time <= 1e6 else { throw ValidationError("--time must lie in (0, 1e6]") }
        guard threshold > 0, threshold.isFinite else { throw ValidationError("--threshold must be positive") }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let nets = try model.networks(alphaH: alphaH)
        let teacher = try nets.teacherOverlaps()
        var sets: [DataFile.DataSet] = []
        var lines: [String] = []
        var results: [JSONValue] = []
        var options = SCMFlow.defaultSolveOptions
        options.output = .logarithmic(count: 150, first: min(0.1, time))
        for d in 0...model.students {
            let flow = try SCMFlow(students: model.students, teacher: teacher, rule: model.rule(alphaH: nets.inputFlipFraction, flippedReadouts: d),
                                   rates: model.rates)
            let curve = try flow.learningCurve(from: nets.startState(), endTime: time, options: options)
            let escape = try flow.timeToReach(error: threshold, from: nets.startState(), endTime: time)
            sets.append(.init(title: "\(d) flipped readouts", rows: curve.times.indices.map { [curve.times[$0], curve.generalisationError[$0], .nan, .nan] }))
            lines.append(String(format: "%d flipped readout%@: escape (eps_g <= %g) at alpha = %@; eps_g(%g) = %.4g; final v = [%@]  [%@]", d, d == 1 ? "" : "s",
                                threshold, escape.map { String(format: "%.4g", $0) } ?? "never", curve.times.last!, curve.finalError,
                                curve.finalState.v.map { String(format: "%.3f", $0) }.joined(separator: ", "), curve.status.summary))
            results.append(.object(["flipped_readouts": .integer(Int64(d)), "escape_time": escape.map { .number($0) } ?? .null,
                                    "final_eps_g": .number(curve.finalError)]))
        }
        let provenance = Provenance.thisRun(parameters: model.parameters + [("alpha_h", "\(nets.inputFlipFraction)"), ("threshold", "\(threshold)")],
                                            seed: model.seed, notes: ["one set per number of flipped readouts (the first units' readouts flipped)"])
        let table = DataFile(header: provenance, columns: ["alpha", "eps_g_ode", "unused", "unused"], dataSets: sets)
        let figure = try output.figure("scm_curves.gp", name: "\(name).png") { path in
            [path("\(name).dat"), "K=\(model.students), M=\(model.m), flipped readouts 0...\(model.students)"]
        } titles: { sets.map(\.title) }
        try output.deliver(RunOutput(command: "scm sweep", provenance: provenance, files: [.init(label: "data", name: "\(name).dat", table: table)],
                                     figure: figure, summary: lines, results: .object(["runs": .array(results)])))
    }
}
