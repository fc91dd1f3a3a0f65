import ArgumentParser
import Foundation
import GnuplotIO
import NumericalKit
import SoftCommitteeMachine
import Studies

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
    @Option(parsing: .unconditional, help: "Replicates of online SGD (each with fresh samples) to run beside the ODE (0: none).") var simulate = 0
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
        let study = SCMCurveStudy(networks: nets, rule: model.rule(alphaH: nets.inputFlipFraction, flippedReadouts: flippedReadouts), rates: model.rates,
                                  time: time, points: points, simulatedSeeds: simulate, seed: model.seed,
                                  caption: "K=\(model.students), M=\(model.m), eta=\(model.eta), seed \(model.seed)")
        try output.deliver(try study.run(flippedReadouts: flippedReadouts), command: "scm curve", baseName: name,
                           parameters: model.parameters + [("alpha_h", "\(nets.inputFlipFraction)"), ("flipped_readouts", "\(flippedReadouts)"),
                                                           ("simulated_seeds", "\(simulate)")],
                           seed: model.seed)
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

    func run() throws {
        try output.deliver(try SCMFixedPointStudy(units: units, eta: eta, inputFlipFractions: alphaH).run(), command: "scm fixed-points",
                           baseName: name, parameters: [("K", "\(units)"), ("M", "\(units)"), ("eta", "\(eta)"), ("gsl", GSL.version)], seed: nil)
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
        let (model, alphaH) = (model, nets.inputFlipFraction)
        let study = SCMEscapeStudy(networks: nets, rule: { model.rule(alphaH: alphaH, flippedReadouts: $0) }, rates: model.rates, time: time,
                                   threshold: threshold, caption: "K=\(model.students), M=\(model.m), flipped readouts 0...\(model.students)")
        try output.deliver(try study.run(), command: "scm sweep", baseName: name,
                           parameters: model.parameters + [("alpha_h", "\(alphaH)"), ("threshold", "\(threshold)")], seed: model.seed)
    }
}
