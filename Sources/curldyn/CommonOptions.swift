import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit
import Studies

/// The networks: sizes, nonlinearity, initialisation, the student's start and the data.
struct NetworkOptions: ParsableArguments {
    enum InitName: String, ExpressibleByArgument, CaseIterable { case uniform, normal }
    enum StartName: String, ExpressibleByArgument, CaseIterable {
        case random, teacher
        case teacherShifted = "teacher-shifted"
    }

    @Option(name: [.customShort("M"), .long], parsing: .unconditional, help: "Number of input neurons M.") var inputs = 20
    @Option(name: [.customShort("N"), .long], parsing: .unconditional, help: "Number of hidden neurons N of the student.") var hidden = 199
    @Option(parsing: .unconditional, help: "Hidden neurons of the teacher (default: as the student).") var teacherHidden: Int?
    @Option(help: "Nonlinearity: \(Activation.allCases.map(\.rawValue).joined(separator: ", ")).") var activation: Activation = .linear
    @Flag(help: "Apply the nonlinearity on the hidden layer only (the reference also applies it at the output).") var noOutputActivation = false
    @Option(help: "Weight distribution: uniform or normal.") var initialization: InitName = .uniform
    @Option(parsing: .unconditional, help: "Student init range r (W1 at r/sqrt(M), W2 at r/sqrt(N)).") var initScale = 1.0
    @Option(parsing: .unconditional, help: "Teacher init range.") var teacherScale = 1.0
    @Option(help: "Student start: random, or teacher (on the solution manifold, plus --perturbation).") var start: StartName = .random
    @Option(parsing: .unconditional, help: "Standard deviation of the Gaussian offset of every weight when starting at the teacher.") var perturbation = 1e-3
    @Option(parsing: .unconditional, help: "With --start teacher-shifted: added to every W1 entry (the reference's Fig. 4 and 8 starts: 1e-15).") var shiftW1 = 0.0
    @Option(parsing: .unconditional, help: "With --start teacher-shifted: added to every W2 entry (the reference's Fig. 3b start: 1e-10).") var shiftW2 = 0.0
    @Flag(help: "Rescale the teacher to |W1|_F = sqrt(N), |W2| = 1, the normalisation of the random-matrix theory (the reference's Fig. 3b).") var normalizedTeacher = false
    @Option(help: "Start the student from weights saved with --save-state (overrides --start).") var loadState: String?
    @Option(parsing: .unconditional, help: "Input variance sigma_x^2.") var inputVariance = LinearFlow.defaultInputVariance
    @Option(parsing: .unconditional, help: "Training-set size P (default: the population loss for linear networks, else \(Self.defaultTrainCount)).") var trainSize: Int?
    @Option(parsing: .unconditional, help: "Test-set size.") var testSize = TaskData.defaultTestCount

    func validate() throws {
        guard inputs > 0 else { throw ValidationError("--inputs must be positive, got \(inputs)") }
        guard hidden > 0 else { throw ValidationError("--hidden must be positive, got \(hidden)") }
        if let t = teacherHidden, t <= 0 { throw ValidationError("--teacher-hidden must be positive, got \(t)") }
        if start != .random, let t = teacherHidden, t != hidden { throw ValidationError("--start \(start.rawValue) needs --teacher-hidden equal to --hidden") }
        if start != .teacherShifted, shiftW1 != 0 || shiftW2 != 0 { throw ValidationError("--shift-w1 and --shift-w2 go with --start teacher-shifted") }
        guard inputVariance > 0, inputVariance.isFinite else { throw ValidationError("--input-variance must be positive") }
        if let p = trainSize, p <= 0 { throw ValidationError("--train-size must be positive, got \(p)") }
        guard testSize > 0 else { throw ValidationError("--test-size must be positive, got \(testSize)") }
        try rethrowingAsValidation {
            _ = try StudentTeacherPair(shape: NetworkShape(inputs: 1, hidden: 1), teacher: teacherInit, student: studentStart, seed: 0)
        }
    }

    /// The paired experiment of these networks and data with `rules`, run by `integrator`.
    func experiment(rules: [LearningRule], integrator: Integrator, normConstraint: Bool) throws -> Experiment {
        var experiment = Experiment(shape: try shape, teacherHidden: teacherHidden, activation: networkActivation, teacherInit: teacherInit,
                                    studentStart: studentStart, trainCount: trainCount, testCount: testSize, inputVariance: inputVariance,
                                    normConstraint: normConstraint, rules: rules, integrator: integrator)
        experiment.normalizedTeacher = normalizedTeacher
        return experiment
    }

    static let defaultTrainCount = 250
    /// P of a finite-data run: --train-size, else the default.
    var trainCount: Int { trainSize ?? Self.defaultTrainCount }

    var shape: NetworkShape { get throws { try NetworkShape(inputs: inputs, hidden: hidden) } }
    var networkActivation: NetworkActivation { NetworkActivation(hidden: activation, output: noOutputActivation ? .linear : activation) }
    var teacherInit: WeightInitialization { initialization == .uniform ? .uniform(scale: teacherScale) : .normal(scale: teacherScale) }
    var studentStart: StudentStart {
        switch start {
        case .random: .random(initialization == .uniform ? .uniform(scale: initScale) : .normal(scale: initScale))
        case .teacher: .nearTeacher(perturbation: perturbation)
        case .teacherShifted: .teacherShifted(w1: shiftW1, w2: shiftW2)
        }
    }

    /// The header parameters; `trainCount` is the training-set size of a finite-data run, nil for the population flow.
    func parameters(trainCount: Int?) -> [(String, String)] {
        [("M", "\(inputs)"), ("N", "\(hidden)"), ("teacher_N", "\(teacherHidden ?? hidden)"), ("activation", activation.rawValue),
         ("output_activation", noOutputActivation ? "lin" : activation.rawValue), ("init", initialization.rawValue),
         ("init_scale", "\(initScale)"), ("teacher_scale", "\(teacherScale)"), ("start", loadState.map { "file:\($0)" } ?? start.rawValue),
         ("perturbation", "\(perturbation)"), ("shift_w1", "\(shiftW1)"), ("shift_w2", "\(shiftW2)"), ("normalized_teacher", "\(normalizedTeacher)"), ("sigma_x2", "\(inputVariance)"), ("train_size", trainCount.map { "\($0)" } ?? "population"),
         ("test_size", "\(testSize)")]
    }
}

/// The learning rules and their rule-flipped neurons.
struct RuleOptions: ParsableArguments {
    enum RuleName: String, ExpressibleByArgument, CaseIterable {
        case gd, curl, dfa
        case dfaCurl = "dfa-curl"
    }

    @Option(parsing: .upToNextOption, help: "Rules to run: gd, curl, dfa (feedback alignment), dfa-curl.") var rule: [RuleName] = [.gd, .curl]
    @Option(parsing: .unconditional, help: "Number of rule-flipped input neurons (D1; in the row convention: hidden neurons' incoming rows).") var flipInputs: Int?
    @Option(parsing: .unconditional, help: "Number of rule-flipped hidden neurons (D2; in the row convention: the output row).") var flipHidden: Int?
    @Option(name: .customLong("alpha-h"), parsing: .unconditional, help: "Fraction of rule-flipped input neurons (alternative to --flip-inputs).") var alphaH: Double?
    @Option(name: .customLong("alpha-r"), parsing: .unconditional, help: "Fraction of rule-flipped hidden neurons (alternative to --flip-hidden).") var alphaR: Double?
    @Option(help: "Flip convention: column (presynaptic, the reference) or row (postsynaptic).") var convention: FlipConvention = .column
    @Option(help: "Which neurons are flipped: first, or a seeded random subset.") var flipSelection: FlipSelection = .first
    @Option(parsing: .unconditional, help: "Scale of the random feedback vector of feedback alignment.") var feedbackScale = 1.0

    func validate() throws {
        if flipInputs != nil && alphaH != nil { throw ValidationError("give --flip-inputs or --alpha-h, not both") }
        if flipHidden != nil && alphaR != nil { throw ValidationError("give --flip-hidden or --alpha-r, not both") }
        guard !rule.isEmpty else { throw ValidationError("--rule needs at least one of gd, curl, dfa, dfa-curl") }
        guard feedbackScale > 0, feedbackScale.isFinite else { throw ValidationError("--feedback-scale must be positive") }
    }

    /// The flips of the curl rules; without any flip option, half the hidden neurons (alpha_r = 0.5).
    var flips: (FlipCount, FlipCount) {
        let onInputs: FlipCount = alphaH.map(FlipCount.fraction) ?? .count(flipInputs ?? 0)
        let noFlipsGiven = flipInputs == nil && alphaH == nil && flipHidden == nil && alphaR == nil
        let onHidden: FlipCount = alphaR.map(FlipCount.fraction) ?? flipHidden.map(FlipCount.count) ?? (noFlipsGiven ? .fraction(0.5) : .none)
        return (onInputs, onHidden)
    }

    var rules: [LearningRule] {
        let (k1, k2) = flips
        return rule.map {
            switch $0 {
            case .gd: .gradientDescent
            case .curl: .curl(flippedInputs: k1, flippedHidden: k2, convention: convention, selection: flipSelection)
            case .dfa: .feedbackAlignment(scale: feedbackScale)
            case .dfaCurl: .feedbackAlignment(flippedInputs: k1, flippedHidden: k2, scale: feedbackScale, convention: convention, selection: flipSelection)
            }
        }
    }

    var parameters: [(String, String)] {
        let (k1, k2) = flips
        return [("rules", rule.map(\.rawValue).joined(separator: ",")), ("flip_inputs", describe(k1)), ("flip_hidden", describe(k2)),
                ("convention", convention.rawValue), ("flip_selection", flipSelection.rawValue), ("feedback_scale", "\(feedbackScale)")]
    }

    private func describe(_ f: FlipCount) -> String {
        switch f {
        case .count(let k): "\(k)"
        case .fraction(let a): "alpha=\(a)"
        }
    }
}

/// How the dynamics are integrated.
struct DynamicsOptions: ParsableArguments {
    enum ProtocolName: String, ExpressibleByArgument, CaseIterable { case continuous, discrete }

    @Option(name: .customLong("protocol"), help: "continuous (GSL full-batch flow) or discrete (the reference's minibatch protocol).") var integration: ProtocolName = .continuous
    @Option(help: "GSL stepper: \(Stepper.names.joined(separator: ", ")).") var stepper = "rk8pd"
    @Option(parsing: .unconditional, help: "Relative tolerance of the adaptive stepper.") var rtol = LearningSolveOptions().relativeTolerance
    @Option(parsing: .unconditional, help: "Absolute tolerance of the adaptive stepper.") var atol = LearningSolveOptions().absoluteTolerance
    @Option(parsing: .unconditional, help: "Final time t (t = lr * epochs; with --protocol discrete, --epochs overrides it).") var tFinal = 1000.0
    @Option(parsing: .unconditional, help: "First nonzero observation time (continuous; observations are log-spaced).") var tFirst = 1e-2
    @Option(parsing: .unconditional, help: "Number of log-spaced observations.") var points = 200
    @Option(parsing: .unconditional, help: "Learning rate lr of the discrete protocol (effective rate lr * B / P).") var lr = 0.1
    @Option(parsing: .unconditional, help: "Minibatch size B of the discrete protocol.") var batchSize = 10
    @Option(parsing: .unconditional, help: "Epochs of the discrete protocol (default: t-final / lr).") var epochs: Int?
    @Flag(help: "Keep |W1|_F and |W2| at their initial values (the reference's main experiments).") var normConstraint = false
    @Option(parsing: .unconditional, help: "Stop a run once the (train) loss falls below this value.") var stopLoss: Double?
    @Option(parsing: .unconditional, help: "Compute the order parameter q over this final time window (the reference: 999 epochs = 99.9 at lr 0.1).") var qWindow: Double?

    func validate() throws {
        // Whatever the protocol: a misspelt stepper is a mistake even where no stepper is used.
        guard Stepper.names.contains(stepper) else {
            throw ValidationError("unknown stepper '\(stepper)'; choose one of \(Stepper.names.joined(separator: ", "))")
        }
    }

    /// The most epochs of the discrete protocol: far more than any run finishes (1e9 epochs of one minibatch each
    /// take hours), and small enough that epoch counts convert to Int exactly.
    static let maxEpochs = 1_000_000_000

    /// The integrator for a training set of `trainCount` samples (the commands validate it with their own count).
    func integrator(trainCount: Int) throws -> Integrator {
        switch integration {
        case .continuous:
            try continuousOptions.validate()
            return .continuous(continuousOptions)
        case .discrete:
            var o = DiscreteTrainingOptions()
            o.learningRate = lr
            guard batchSize <= trainCount else {
                throw ParameterError("--batch-size \(batchSize) exceeds the training set (\(trainCount) samples)")
            }
            o.batchSize = batchSize
            guard batchSize >= 1 else { throw ParameterError("--batch-size must be positive, got \(batchSize)") }
            guard lr > 0, lr.isFinite, tFinal > 0, tFinal.isFinite else { throw ParameterError("--lr and --t-final must be positive") }
            // t-final / lr epochs, converted only once known to fit (1e300 / 0.1 trapped in Int(Double)).
            let maxEpochs = Self.maxEpochs
            if let e = epochs, e > maxEpochs { throw ParameterError("--epochs must be at most \(maxEpochs), got \(e)") }
            guard epochs != nil || tFinal / lr <= Double(maxEpochs) else {
                throw ParameterError("--t-final / --lr = \(tFinal / lr) epochs; the discrete protocol runs at most \(maxEpochs)")
            }
            o.epochs = epochs ?? max(1, Int((tFinal / lr).rounded()))
            o.logPoints = points
            o.stopLoss = stopLoss
            if let q = qWindow, !(q > 0 && q.isFinite && q / lr <= Double(maxEpochs)) {
                throw ParameterError("the q window must lie inside (0, t-final], got \(q)")
            }
            o.windowEpochs = qWindow.map { max(2, Int(($0 / lr).rounded())) }
            try o.validate()
            return .discrete(o)
        }
    }

    /// The options of the continuous integrators (population and full-batch flows).
    var continuousOptions: LearningSolveOptions {
        var o = LearningSolveOptions()
        o.stepper = stepper
        o.relativeTolerance = rtol
        o.absoluteTolerance = atol
        o.endTime = tFinal
        o.firstObservation = tFirst
        o.observationCount = points
        o.stopLoss = stopLoss
        o.windowDuration = qWindow
        return o
    }

    var parameters: [(String, String)] {
        var p: [(String, String)] = [("protocol", integration.rawValue), ("t_final", "\(tFinal)"), ("points", "\(points)"),
                                     ("norm_constraint", "\(normConstraint)"), ("stop_loss", stopLoss.map { "\($0)" } ?? "none"),
                                     ("q_window", qWindow.map { "\($0)" } ?? "none")]
        switch integration {
        case .continuous: p += [("stepper", stepper), ("rtol", "\(rtol)"), ("atol", "\(atol)"), ("t_first", "\(tFirst)")]
        case .discrete: p += [("lr", "\(lr)"), ("batch_size", "\(batchSize)"), ("epochs", epochs.map { "\($0)" } ?? "t_final/lr")]
        }
        return p
    }
}

/// Where and how results are written.
struct OutputOptions: ParsableArguments {
    @Option(help: "Output directory.") var out = "out"
    @Option(help: "Directory of the gnuplot figure scripts (default: ./figures, or the one beside this build).") var figures: String?
    @Flag(help: "Write the data files but render no figure.") var noPlot = false
    @Flag(help: "Print one JSON object (version, command, parameters, files, results) on stdout instead of the summary.") var json = false

    /// Refuses, before any computation, an output directory that cannot be written and a --figures that is no directory.
    func validate() throws {
        do { _ = try OutputDirectory(checking: out) } catch { throw ValidationError("--out: \(error)") }
        if let figures, !noPlot {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: figures, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--figures \(figures) is not a directory")
            }
        }
    }

    var directory: OutputDirectory { get throws { try OutputDirectory(checking: out) } }

    /// The figure `name` rendered by the script `script` (nil with --no-plot). `arguments` receives a function
    /// from a file name of the run to its path. A script that cannot be found makes the figure fail, not the run.
    func figure(_ script: String, name: String, arguments: ((String) -> String) throws -> [String],
                titles: () -> [String] = { [] }) throws -> RunOutput.Figure? {
        if noPlot { return nil }
        let directory = try directory
        let scripts = (try? figuresDirectory(figures)) ?? URL(fileURLWithPath: figures ?? "figures")
        return RunOutput.Figure(script: scripts.appendingPathComponent(script), arguments: try arguments { directory.file($0).path },
                                titles: titles(), name: name)
    }

    /// The figure `BASE.png` a study's plan draws from its tables `BASE<suffix>.dat` (nil with --no-plot).
    func figure(_ plan: FigurePlan, baseName: String) throws -> RunOutput.Figure? {
        try figure(plan.script, name: "\(baseName).png") { path in
            plan.arguments.map { argument in
                switch argument {
                case .table(let suffix): path("\(baseName)\(suffix).dat")
                case .text(let text): text
                }
            }
        } titles: { plan.titles }
    }

    /// Writes a study's report as `BASE<suffix>.dat` files and `BASE.png` under a header of `parameters` (the
    /// command's options, then the report's own), renders and prints it.
    func deliver(_ report: StudyReport, command: String, baseName: String, parameters: [(String, String)], seed: UInt64?,
                 notes: [String] = []) throws {
        let header = Provenance.thisRun(parameters: parameters + report.parameters, seed: seed, notes: notes + report.notes)
        try deliver(try RunOutput(command: command, report: report, baseName: baseName, header: header,
                                  figure: try report.figure.map { try figure($0, baseName: baseName) } ?? nil))
    }

    /// Delivers the run's output; a figure that could not be rendered ends the process with status 3 after the
    /// data and summary are out.
    func deliver(_ output: RunOutput) throws {
        if case .figureFailed = try output.deliver(to: try directory, json: json) {
            throw ExitCode(CurlDyn.figureNotRendered)
        }
    }
}

extension Activation: ExpressibleByArgument {}
extension FlipConvention: ExpressibleByArgument {}
extension FlipSelection: ExpressibleByArgument {}

extension RuleOptions {
    /// Warns on stderr when a curl rule ends up flipping no neuron (e.g. alpha_r = 0.5 of the single output
    /// row in the row convention): it then is the same as its unflipped rule.
    func warnIfCurlFlipsNothing(_ shape: NetworkShape) {
        for rule in rules where rule.name.hasSuffix("curl") {
            if let signs = try? rule.signs(for: shape), signs.isGradient {
                FileHandle.standardError.write(Data("warning: rule \(rule.name) flips no neuron with these options (\(convention.rawValue) convention); give --flip-inputs or --flip-hidden\n".utf8))
            }
        }
    }
}
