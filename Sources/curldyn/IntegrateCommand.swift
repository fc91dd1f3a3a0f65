import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// `curldyn integrate`: one student-teacher learning run per rule, from the same teacher, start and data.
struct Integrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate student-teacher learning dynamics (GD, curl descent, feedback alignment) for one seed.",
        discussion: """
        Linear networks without --train-size follow the population flow (loss sigma_x^2/2 |W2 W1 - w*|^2) and \
        OUT/NAME.dat has columns t, loss, |u|, |W1|_F, |W2| and the distance to the solution manifold; otherwise a finite training set is used (full-batch \
        flow, or the reference's minibatch protocol with --protocol discrete) and the columns are t, train loss, \
        test loss, |W1|_F, |W2|. One data set (gnuplot index) per rule; OUT/NAME.png shows the curves. \
        Without flip options, curl descent flips half the hidden neurons (alpha_r = 0.5).
        """)

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions
    @OptionGroup(title: "Dynamics") var dynamics: DynamicsOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(parsing: .unconditional, help: "Seed of the teacher, the student start, the data and every other draw.") var seed: UInt64 = 1
    @Option(help: "Base name of the output files.") var name = "integrate"
    @Flag(help: "Save each rule's final weights to OUT/NAME_<rule>.state (load with --load-state).") var saveState = false
    @Option(help: ArgumentHelp("File with an M x M input covariance Sigma (rows of numbers, # comments) for the linear population flow; replaces sigma_x^2 I.",
                               valueName: "file")) var inputCovariance: String?

    /// The population flow applies to linear networks learning from the input distribution itself.
    var usesPopulationFlow: Bool {
        network.activation == .linear && network.trainSize == nil && dynamics.integration == .continuous && !dynamics.normConstraint
            && dynamics.qWindow == nil && rules.rules.allSatisfy { $0.feedback == .backpropagation }
    }

    var trainCount: Int { network.trainCount }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn integrate with these sizes")
        try rethrowingAsValidation {
            let shape = try network.shape
            for rule in rules.rules { _ = try rule.signs(for: shape) }
            if usesPopulationFlow {
                try dynamics.continuousOptions.validate(parameterCount: shape.parameterCount)
                guard rules.convention == .column else {
                    throw ValidationError("the linear population flow takes column-convention flips; give --train-size for --convention row")
                }
                guard (network.teacherHidden ?? network.hidden) == network.hidden else {
                    throw ValidationError("the population flow needs a teacher as wide as the student; give --train-size for a wider or narrower teacher")
                }
            }
            if inputCovariance != nil, !usesPopulationFlow {
                throw ValidationError("--input-covariance applies to the linear population flow only (linear network, no --train-size, continuous protocol, no norm constraint, --q-window or feedback alignment)")
            }
            _ = try dynamics.integrator(trainCount: trainCount)
        }
    }


    /// What one rule's run produced, in a form both paths share.
    struct Run {
        let rule: LearningRule
        let signs: SignMatrices
        let status: ODEStatus
        let statistics: ODEStatistics
        let rows: [[Double]]
        let final: TwoLayerWeights
        let initialLoss: Double
        let finalLoss: Double
        let finalTestLoss: Double?
        let maxLoss: Double
        let q: Double?
        /// lambda_min of K = |w2|^2 D1 + W1^T D2 W1 (linear networks, column convention).
        let lambdaMin: (start: Double, end: Double)?
    }

    func run() throws {
        BLASThreads.pinToOne()
        let shape = try network.shape
        rules.warnIfCurlFlipsNothing(shape)
        let loaded = try network.loadState.map { try StateFile.read(URL(fileURLWithPath: $0), shape: shape) }
        let progress = ProgressLine()
        let runs = try usesPopulationFlow ? populationRuns(shape, loaded, progress) : finiteDataRuns(shape, loaded, progress)
        progress.finish()
        try output.deliver(runOutput(runs))
    }

    /// The data file (one set per rule; a diverged run's rows up to its blow-up), the saved states, the figure
    /// and the summary. A run that diverged is kept beside the others, marked in its set title and the summary.
    func runOutput(_ runs: [Run]) throws -> RunOutput {
        let mode = usesPopulationFlow ? "linear M -> N -> 1 population flow, L = 1/2 u Sigma u^T, u = W2 W1 - w*, Sigma = "
                                          + (inputCovariance.map { "the matrix in \($0)" } ?? "sigma_x^2 I")
                                      : "finite data (\(trainCount) train, \(network.testSize) test samples), \(dynamics.integration.rawValue) protocol"
        let provenance = Provenance.thisRun(parameters: parameters(runs), seed: seed, notes: [mode])
        let table = DataFile(
            header: provenance,
            columns: usesPopulationFlow ? LearningCurve.columns : TrainingCurve.columns,
            dataSets: runs.map { .init(title: "\($0.rule.name) flipped_inputs=\($0.signs.flippedInputs) flipped_hidden=\($0.signs.flippedHidden) status=\($0.status.summary)",
                                       rows: $0.rows.filter { $0.allSatisfy(\.isFinite) }) })
        var files = [RunOutput.File(label: "data", name: "\(name).dat", table: table)]
        if saveState {
            for r in runs where r.status.isSuccess {
                files.append(.init(label: "state \(r.rule.name)", name: "\(name)_\(r.rule.name).state",
                                   contents: StateFile.render(r.final, command: commandLineString, seed: seed)))
            }
        }
        let figure = try output.figure(usesPopulationFlow ? "learning_curves.gp" : "training_curves.gp", name: "\(name).png") { paths in
            [paths("\(name).dat"), "M=\(network.inputs), N=\(network.hidden), \(network.activation.rawValue), seed \(seed)"]
        } titles: {
            runs.map { r in r.rule.name == "gd" ? "gradient descent" : "\(r.rule.name) (K1=\(r.signs.flippedInputs), K2=\(r.signs.flippedHidden))" }
        }
        let summaries = runs.map { r in
            RunSummary(rule: r.rule.name, flippedInputs: r.signs.flippedInputs, flippedHidden: r.signs.flippedHidden, status: r.status.summary,
                       diverged: !r.status.isSuccess, finalTime: r.rows.last { $0.allSatisfy(\.isFinite) }?.first ?? 0, initialLoss: r.initialLoss,
                       finalLoss: r.status.isSuccess ? r.finalLoss : nil, finalTestLoss: r.status.isSuccess ? r.finalTestLoss : nil,
                       maxLoss: r.status.isSuccess ? r.maxLoss : nil, q: r.q, initialLambdaMinK: r.lambdaMin?.start,
                       finalLambdaMinK: r.status.isSuccess ? r.lambdaMin?.end : nil, statistics: r.statistics)
        }
        var lines: [String] = []
        for r in summaries {
            var line = "\(r.rule): K1=\(r.flippedInputs) K2=\(r.flippedHidden)  loss \(String(format: "%.3e", r.initialLoss)) -> "
                + (r.finalLoss.map { String(format: "%.3e", $0) + " at t=\(r.finalTime)" }
                   ?? String(format: "diverged (data up to t = %.4g)", r.finalTime))
            if let test = r.finalTestLoss { line += String(format: "  test %.3e", test) }
            if let a = r.initialLambdaMinK, let b = r.finalLambdaMinK { line += "  lambda_min(K) \(String(format: "%.3g", a)) -> \(String(format: "%.3g", b))" }
            if let q = r.q { line += String(format: "  q %.3g", q) }
            line += "  [\(r.status); \(r.statistics.functionEvaluations) evaluations, \(r.statistics.steps) steps]"
            lines.append(line)
        }
        let results = Summary(inputs: network.inputs, hidden: network.hidden, ratio: Double(network.inputs) / Double(network.hidden),
                              activation: network.activation.rawValue, data: usesPopulationFlow ? "population" : "finite",
                              integrator: dynamics.integration.rawValue, stepper: dynamics.integration == .continuous ? dynamics.stepper : nil,
                              runs: summaries)
        return RunOutput(command: "integrate", provenance: provenance, files: files, figure: figure, summary: lines,
                         results: try JSONTreeEncoder.encode(results),
                         warnings: runs.filter { !$0.status.isSuccess }.map { "rule \($0.rule.name): \($0.status.summary); its data stop there\(saveState ? " and no state is saved" : "")" })
    }

    func populationRuns(_ shape: NetworkShape, _ loaded: TwoLayerWeights?, _ progress: ProgressLine) throws -> [Run] {
        let pair = try StudentTeacherPair(shape: shape, teacherHidden: network.teacherHidden, teacher: network.teacherInit, normalizedTeacher: network.normalizedTeacher,
                                          student: network.studentStart, seed: seed)
        let start = loaded ?? pair.student
        let covariance = try inputCovariance.map { try CovarianceFile.read(URL(fileURLWithPath: $0), size: shape.inputs) }
        return try rules.rules.map { rule in
            let flow = try LinearFlow(teacher: pair.teacher, rule: rule, inputVariance: network.inputVariance, inputCovariance: covariance, seed: seed)
            let curve = try flow.learningCurve(from: start, options: dynamics.continuousOptions) { p in
                progress.update("integrate [\(rule.name)] t = \(String(format: "%.3g", p.time)) / \(p.endTime)")
            }
            return Run(rule: rule, signs: flow.signs, status: curve.status, statistics: curve.statistics, rows: curve.rows,
                       final: curve.finalWeights, initialLoss: curve.loss.first ?? .nan, finalLoss: curve.finalLoss, finalTestLoss: nil,
                       maxLoss: curve.loss.max() ?? .nan, q: nil,
                       lambdaMin: (Self.lambdaMin(start, flow.signs), Self.lambdaMin(curve.finalWeights, flow.signs)))
        }
    }

    func finiteDataRuns(_ shape: NetworkShape, _ loaded: TwoLayerWeights?, _ progress: ProgressLine) throws -> [Run] {
        let experiment = try network.experiment(rules: rules.rules, integrator: try dynamics.integrator(trainCount: trainCount),
                                                normConstraint: dynamics.normConstraint)
        return try experiment.problems(seed: seed, start: loaded).map { problem in
            let curve = try experiment.run(problem) { fraction in
                progress.update("integrate [\(problem.rule.name)] \(String(format: "%.0f", 100 * fraction))%")
            }
            let linearColumns = network.networkActivation.isLinear && problem.signs.convention == .column
            return Run(rule: problem.rule, signs: problem.signs, status: curve.status, statistics: curve.statistics, rows: curve.rows,
                       final: curve.finalWeights, initialLoss: curve.trainLoss.first ?? .nan,
                       finalLoss: curve.finalTrainLoss, finalTestLoss: curve.finalTestLoss, maxLoss: curve.maxTrainLoss,
                       q: curve.window.isEmpty ? nil : try OrderParameter.q(window: curve.window),
                       lambdaMin: linearColumns ? (Self.lambdaMin(problem.start, problem.signs), Self.lambdaMin(curve.finalWeights, problem.signs)) : nil)
        }
    }

    /// lambda_min(K) of K = |w2|^2 D1 + W1^T D2 W1 at `w` (column convention); NaN if the eigensolver fails.
    static func lambdaMin(_ w: TwoLayerWeights, _ signs: SignMatrices) -> Double {
        (try? Eigen.symmetricEigenvalues(LinearFlow.stabilityMatrix(w, signs: signs)).first) ?? .nan
    }

    func parameters(_ runs: [Run]) -> [(String, String)] {
        let curl = runs.first { !$0.signs.isGradient }?.signs ?? runs[0].signs
        return network.parameters(trainCount: usesPopulationFlow ? nil : trainCount) + rules.parameters + dynamics.parameters
            + (inputCovariance.map { [("input_covariance", $0)] } ?? [])
            + [("curl_flipped_inputs", "\(curl.flippedInputs)"), ("curl_flipped_hidden", "\(curl.flippedHidden)"),
               ("data", usesPopulationFlow ? "population" : "finite"), ("gsl", GSL.version)]
    }

    struct RunSummary: Encodable {
        let rule: String
        let flippedInputs: Int
        let flippedHidden: Int
        let status: String
        let diverged: Bool
        /// The last time with finite data.
        let finalTime: Double
        /// Loss at t = 0 and at the end: the population loss, or the train loss with finite data (null if diverged).
        let initialLoss: Double
        let finalLoss: Double?
        let finalTestLoss: Double?
        let maxLoss: Double?
        /// The order parameter q over the final window (with --q-window).
        let q: Double?
        /// Smallest eigenvalue of K = |w2|^2 D1 + W1^T D2 W1 at the start and end (linear networks); at a point
        /// of the solution manifold, > 0 means stable under this rule (curl-descent.md section 3). With an input
        /// covariance, du/dt = -u Sigma K and Sigma K has the eigenvalue signs of K (Sylvester), so the verdict stands.
        let initialLambdaMinK: Double?
        let finalLambdaMinK: Double?
        let statistics: ODEStatistics
    }

    struct Summary: Encodable {
        let inputs: Int
        let hidden: Int
        let ratio: Double
        let activation: String
        let data: String
        let integrator: String
        let stepper: String?
        let runs: [RunSummary]
    }
}
