import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// `curldyn integrate`: the population learning flow of a linear M -> N -> 1 student-teacher pair,
/// for gradient descent and curl descent from the same teacher and student start.
struct Integrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate the linear student-teacher learning flow (GD and/or curl descent) with GSL.",
        discussion: """
        Writes OUT/NAME.dat (gnuplot data, one index per rule: t, loss, |u|, |W1|_F, |W2|) and renders \
        OUT/NAME.png with figures/learning_curves.gp. Without flip options, curl descent flips half the \
        hidden neurons (alpha_r = 0.5).
        """)

    enum RuleName: String, ExpressibleByArgument, CaseIterable { case gd, curl }
    enum InitName: String, ExpressibleByArgument, CaseIterable { case uniform, normal }
    enum StartName: String, ExpressibleByArgument, CaseIterable { case random, teacher }

    @Option(name: [.customShort("M"), .long], parsing: .unconditional, help: "Number of input neurons M.") var inputs = 20
    @Option(name: [.customShort("N"), .long], parsing: .unconditional, help: "Number of hidden neurons N.") var hidden = 199
    @Option(parsing: .unconditional, help: "Number of rule-flipped input neurons (flips columns of W1, matrix D1).") var flipInputs: Int?
    @Option(parsing: .unconditional, help: "Number of rule-flipped hidden neurons (flips columns of W2, matrix D2).") var flipHidden: Int?
    @Option(name: .customLong("alpha-h"), parsing: .unconditional, help: "Fraction of rule-flipped input neurons (alternative to --flip-inputs).") var alphaH: Double?
    @Option(name: .customLong("alpha-r"), parsing: .unconditional, help: "Fraction of rule-flipped hidden neurons (alternative to --flip-hidden).") var alphaR: Double?
    @Option(parsing: .upToNextOption, help: "Rules to run: gd, curl, or both.") var rule: [RuleName] = [.gd, .curl]
    @Option(parsing: .unconditional, help: "Seed of the teacher, the student start and every other draw.") var seed: UInt64 = 1
    @Option(help: "GSL stepper: \(Stepper.names.joined(separator: ", ")).") var stepper = "rk8pd"
    @Option(parsing: .unconditional, help: "Relative tolerance of the adaptive stepper.") var rtol = LearningSolveOptions().relativeTolerance
    @Option(parsing: .unconditional, help: "Absolute tolerance of the adaptive stepper.") var atol = LearningSolveOptions().absoluteTolerance
    @Option(parsing: .unconditional, help: "Final time t (in units where one epoch of the reference is lr).") var tFinal = 1000.0
    @Option(parsing: .unconditional, help: "First nonzero observation time (observations are log-spaced).") var tFirst = 1e-2
    @Option(parsing: .unconditional, help: "Number of log-spaced observation times.") var points = 200
    @Option(parsing: .unconditional, help: "Input variance sigma_x^2.") var inputVariance = LinearFlow.defaultInputVariance
    @Option(help: "Weight distribution: uniform or normal.") var initialization: InitName = .uniform
    @Option(parsing: .unconditional, help: "Student init range r (W1 at r/sqrt(M), W2 at r/sqrt(N)).") var initScale = 1.0
    @Option(parsing: .unconditional, help: "Teacher init range.") var teacherScale = 1.0
    @Option(help: "Student start: random, or teacher (on the solution manifold, plus --perturbation).") var start: StartName = .random
    @Option(parsing: .unconditional, help: "Standard deviation of the Gaussian offset of every weight when starting at the teacher.") var perturbation = 1e-3
    @Option(parsing: .unconditional, help: "Stop a run early when the loss falls below this value.") var stopLoss: Double?
    @Option(help: "Output directory.") var out = "out"
    @Option(help: "Base name of the output files.") var name = "integrate"
    @Option(help: "Directory of the gnuplot figure scripts (default: ./figures).") var figures: String?
    @Flag(help: "Write the data file but render no figure.") var noPlot = false
    @Flag(help: "Print a machine-readable summary on stdout.") var json = false

    func validate() throws {
        guard inputs > 0 else { throw ValidationError("--inputs must be positive, got \(inputs)") }
        guard hidden > 0 else { throw ValidationError("--hidden must be positive, got \(hidden)") }
        if flipInputs != nil && alphaH != nil { throw ValidationError("give --flip-inputs or --alpha-h, not both") }
        if flipHidden != nil && alphaR != nil { throw ValidationError("give --flip-hidden or --alpha-r, not both") }
        do {
            _ = try curlRule.signs(for: try NetworkShape(inputs: inputs, hidden: hidden))
            _ = try StudentTeacherPair(shape: NetworkShape(inputs: 1, hidden: 1), teacher: teacherInit, student: studentStart, seed: 0)
            try solveOptions.validate(parameterCount: hidden * inputs + hidden)
        } catch let error as LearningDynamicsError {
            throw ValidationError(error.description)
        }
        guard inputVariance > 0, inputVariance.isFinite else { throw ValidationError("--input-variance must be positive") }
        guard !rule.isEmpty else { throw ValidationError("--rule needs at least one of gd, curl") }
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
    }

    var curlRule: LearningRule {
        let onInputs: FlipCount = alphaH.map(FlipCount.fraction) ?? .count(flipInputs ?? 0)
        let noFlipsGiven = flipInputs == nil && alphaH == nil && flipHidden == nil && alphaR == nil
        let onHidden: FlipCount = alphaR.map(FlipCount.fraction) ?? flipHidden.map(FlipCount.count) ?? (noFlipsGiven ? .fraction(0.5) : .count(0))
        return .curl(flippedInputs: onInputs, flippedHidden: onHidden)
    }

    var teacherInit: WeightInitialization { initialization == .uniform ? .uniform(scale: teacherScale) : .normal(scale: teacherScale) }

    var studentStart: StudentStart {
        switch start {
        case .random: .random(initialization == .uniform ? .uniform(scale: initScale) : .normal(scale: initScale))
        case .teacher: .nearTeacher(perturbation: perturbation)
        }
    }

    var solveOptions: LearningSolveOptions {
        var o = LearningSolveOptions()
        o.stepper = stepper
        o.relativeTolerance = rtol
        o.absoluteTolerance = atol
        o.endTime = tFinal
        o.firstObservation = tFirst
        o.observationCount = points
        o.stopLoss = stopLoss
        return o
    }

    struct RunSummary: Encodable {
        let rule: String
        let flippedInputs: Int
        let flippedHidden: Int
        let status: String
        let finalTime: Double
        let initialLoss: Double
        let finalLoss: Double
        /// Smallest eigenvalue of K = |w2|^2 D1 + W1^T D2 W1 at the start and end states; at a point of the
        /// solution manifold, > 0 means stable under this rule (curl-descent.md section 3).
        let initialLambdaMinK: Double
        let finalLambdaMinK: Double
        let statistics: ODEStatistics
    }

    struct Summary: Encodable {
        let command = "integrate"
        let version = CurlDyn.version
        let seed: UInt64
        let inputs: Int
        let hidden: Int
        let ratio: Double
        let stepper: String
        let runs: [RunSummary]
        let dataFile: String
        let figure: String?
    }

    func run() throws {
        BLASThreads.preferSingleThreadForSmallWork()
        // Find the figure script before anything is written, so that a bad --figures leaves OUT untouched.
        let figureScript = noPlot ? nil : try figuresDirectory(figures).appendingPathComponent("learning_curves.gp")
        if let figureScript, !FileManager.default.fileExists(atPath: figureScript.path) {
            throw CommandFailure("figure script \(figureScript.path) not found; pass --figures DIR or --no-plot")
        }
        let shape = try NetworkShape(inputs: inputs, hidden: hidden)
        let pair = try StudentTeacherPair(shape: shape, teacher: teacherInit, student: studentStart, seed: seed)
        let rules: [LearningRule] = rule.map { $0 == .gd ? .gradientDescent : curlRule }
        let progress = ProgressLine()
        var curves: [(rule: LearningRule, flow: LinearFlow, curve: LearningCurve)] = []
        for r in rules {
            let flow = try LinearFlow(teacher: pair.teacher, rule: r, inputVariance: inputVariance)
            let curve = try flow.learningCurve(from: pair.student, options: solveOptions) { p in
                progress.update("integrate [\(r.name)] t = \(String(format: "%.3g", p.time)) / \(p.endTime)  (\(p.outputsDone)/\(p.outputCount) outputs)")
            }
            progress.finish()
            guard curve.status.isSuccess else {
                throw CommandFailure("rule \(r.name): integration \(curve.status.summary); no output written")
            }
            curves.append((r, flow, curve))
        }

        let outDir = URL(fileURLWithPath: out)
        let dataURL = outDir.appendingPathComponent("\(name).dat")
        let file = DataFile(
            header: Provenance(tool: "curldyn", version: CurlDyn.version, command: commandLineString, parameters: parameters(shape), seed: seed,
                               notes: ["linear M -> N -> 1 student-teacher population flow, L = sigma_x^2/2 |W2 W1 - w*|^2"]),
            columns: LearningCurve.columns,
            dataSets: curves.map { r, f, c in
                .init(title: "\(r.name) flipped_inputs=\(f.signs.flippedInputs) flipped_hidden=\(f.signs.flippedHidden) status=\(c.status.summary)", rows: c.rows)
            })
        try AtomicFile.write(file.render(), to: dataURL)

        var figureURL: URL?
        if let figureScript {
            let png = outDir.appendingPathComponent("\(name).png")
            let titles = curves.map { r, f, _ in r == .gradientDescent ? "gradient descent" : "curl descent (K1=\(f.signs.flippedInputs), K2=\(f.signs.flippedHidden))" }
            try Gnuplot.render(script: figureScript,
                               arguments: [dataURL.path, titles.joined(separator: ";"), "M=\(inputs), N=\(hidden), seed \(seed)"], output: png)
            figureURL = png
        }

        let runs = try curves.map { r, flow, c in
            let lambdaMin = { (w: TwoLayerWeights) in try Eigen.symmetricEigenvalues(flow.stabilityMatrix(w.flattened)).first ?? .nan }
            return RunSummary(rule: r.name, flippedInputs: flow.signs.flippedInputs, flippedHidden: flow.signs.flippedHidden, status: c.status.summary,
                              finalTime: c.times.last ?? 0, initialLoss: c.loss.first ?? .nan, finalLoss: c.finalLoss,
                              initialLambdaMinK: try lambdaMin(pair.student), finalLambdaMinK: try lambdaMin(c.finalWeights),
                              statistics: c.statistics)
        }
        if json {
            try printJSON(Summary(seed: seed, inputs: inputs, hidden: hidden, ratio: shape.ratio, stepper: stepper, runs: runs,
                                  dataFile: dataURL.path, figure: figureURL?.path))
        } else {
            for r in runs {
                print("\(r.rule): K1=\(r.flippedInputs) K2=\(r.flippedHidden)  loss \(String(format: "%.3e", r.initialLoss)) -> \(String(format: "%.3e", r.finalLoss)) at t=\(r.finalTime)  lambda_min(K) \(String(format: "%.3g", r.initialLambdaMinK)) -> \(String(format: "%.3g", r.finalLambdaMinK))  [\(r.status); \(r.statistics.functionEvaluations) evaluations, \(r.statistics.steps) steps]")
            }
            print("data: \(dataURL.path)" + (figureURL.map { "\nfigure: \($0.path)" } ?? ""))
        }
    }

    func parameters(_ shape: NetworkShape) -> [(String, String)] {
        // The resolved flip counts (validate() checked they resolve): "\(curlRule)" printed Swift type names with spaces.
        let curl = try? curlRule.signs(for: shape)
        return [("M", "\(inputs)"), ("N", "\(hidden)"), ("c", "\(shape.ratio)"), ("rules", rule.map(\.rawValue).joined(separator: ",")),
         ("curl_flipped_inputs", curl.map { "\($0.flippedInputs)" } ?? "?"), ("curl_flipped_hidden", curl.map { "\($0.flippedHidden)" } ?? "?"),
         ("stepper", stepper), ("rtol", "\(rtol)"), ("atol", "\(atol)"), ("t_final", "\(tFinal)"),
         ("t_first", "\(tFirst)"), ("points", "\(points)"), ("sigma_x2", "\(inputVariance)"), ("init", initialization.rawValue),
         ("init_scale", "\(initScale)"), ("teacher_scale", "\(teacherScale)"), ("start", start.rawValue),
         ("perturbation", "\(perturbation)"), ("stop_loss", stopLoss.map { "\($0)" } ?? "none"),
         ("blas_threads", "\(BLASThreads.count)"), ("gsl", GSL.version)]
    }
}
