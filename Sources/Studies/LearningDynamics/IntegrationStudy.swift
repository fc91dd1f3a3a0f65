import LearningDynamics
import NumericalKit

/// `integrate`: one learning run per rule for one seed, every rule from the same teacher, start and data. Linear
/// networks learning from the input distribution follow the population flow; otherwise a finite training set is
/// used (the full-batch flow or the reference's minibatch protocol).
public struct IntegrationStudy {
    /// Where the loss comes from.
    public enum Data {
        /// The linear population flow L = 1/2 u Sigma u^T, u = W2 W1 - w*, with Sigma = inputVariance I or the given covariance.
        case population(teacher: TwoLayerWeights, start: TwoLayerWeights, inputVariance: Double, inputCovariance: Matrix?, options: LearningSolveOptions)
        /// A finite training set drawn by the experiment for the seed, from its start or `start`.
        case finite(Experiment, start: TwoLayerWeights?)
    }

    public var rules: [LearningRule]
    public var data: Data
    public var seed: UInt64

    public init(rules: [LearningRule], data: Data, seed: UInt64) {
        self.rules = rules
        self.data = data
        self.seed = seed
    }

    public var usesPopulationFlow: Bool { if case .population = data { true } else { false } }

    /// What one rule's run produced, whichever the data.
    public struct Run {
        public let rule: LearningRule
        public let signs: SignMatrices
        public let status: ODEStatus
        public let statistics: ODEStatistics
        public let rows: [[Double]]
        public let final: TwoLayerWeights
        public let initialLoss: Double
        public let finalLoss: Double
        public let finalTestLoss: Double?
        public let maxLoss: Double
        public let q: Double?
        /// lambda_min of K = |w2|^2 D1 + W1^T D2 W1 at the start and the end (linear networks, column convention).
        public let lambdaMin: (start: Double, end: Double)?
    }

    /// Runs every rule; `progress` receives a line saying how far the current rule is.
    public func run(progress: @escaping (String) -> Void = { _ in }) throws -> [Run] {
        switch data {
        case .population(let teacher, let start, let inputVariance, let inputCovariance, let options):
            return try rules.map { rule in
                let flow = try LinearFlow(teacher: teacher, rule: rule, inputVariance: inputVariance, inputCovariance: inputCovariance, seed: seed)
                let curve = try flow.learningCurve(from: start, options: options) { p in
                    progress("integrate [\(rule.name)] t = \(String(format: "%.3g", p.time)) / \(p.endTime)")
                }
                return Run(rule: rule, signs: flow.signs, status: curve.status, statistics: curve.statistics, rows: curve.rows,
                           final: curve.finalWeights, initialLoss: curve.loss.first ?? .nan, finalLoss: curve.finalLoss, finalTestLoss: nil,
                           maxLoss: curve.loss.max() ?? .nan, q: nil,
                           lambdaMin: (Self.lambdaMin(start, flow.signs), Self.lambdaMin(curve.finalWeights, flow.signs)))
            }
        case .finite(let experiment, let start):
            return try experiment.problems(seed: seed, start: start).map { problem in
                let curve = try experiment.run(problem) { fraction in
                    progress("integrate [\(problem.rule.name)] \(String(format: "%.0f", 100 * fraction))%")
                }
                let linearColumns = experiment.activation.isLinear && problem.signs.convention == .column
                return Run(rule: problem.rule, signs: problem.signs, status: curve.status, statistics: curve.statistics, rows: curve.rows,
                           final: curve.finalWeights, initialLoss: curve.trainLoss.first ?? .nan,
                           finalLoss: curve.finalTrainLoss, finalTestLoss: curve.finalTestLoss, maxLoss: curve.maxTrainLoss,
                           q: curve.window.isEmpty ? nil : try OrderParameter.q(window: curve.window),
                           lambdaMin: linearColumns ? (Self.lambdaMin(problem.start, problem.signs), Self.lambdaMin(curve.finalWeights, problem.signs)) : nil)
            }
        }
    }

    /// lambda_min(K) of K = |w2|^2 D1 + W1^T D2 W1 at `w` (column convention); NaN if the eigensolver fails.
    static func lambdaMin(_ w: TwoLayerWeights, _ signs: SignMatrices) -> Double {
        (try? Eigen.symmetricEigenvalues(LinearFlow.stabilityMatrix(w, signs: signs)).first) ?? .nan
    }

    /// Header parameters of the runs: the curl rule's flip counts and the kind of data.
    public func parameters(_ runs: [Run]) -> [(String, String)] {
        let curl = runs.first { !$0.signs.isGradient }?.signs ?? runs[0].signs
        return [("curl_flipped_inputs", "\(curl.flippedInputs)"), ("curl_flipped_hidden", "\(curl.flippedHidden)"),
                ("data", usesPopulationFlow ? "population" : "finite"), ("gsl", GSL.version)]
    }

    public struct RunSummary: Encodable, Sendable {
        public let rule: String
        public let flippedInputs: Int
        public let flippedHidden: Int
        public let status: String
        public let diverged: Bool
        /// The last time with finite data.
        public let finalTime: Double
        /// Loss at t = 0 and at the end: the population loss, or the train loss with finite data (null if diverged).
        public let initialLoss: Double
        public let finalLoss: Double?
        public let finalTestLoss: Double?
        public let maxLoss: Double?
        /// The order parameter q over the final window (with a q window).
        public let q: Double?
        /// Smallest eigenvalue of K = |w2|^2 D1 + W1^T D2 W1 at the start and end (linear networks); at a point
        /// of the solution manifold, > 0 means stable under this rule (curl-descent.md section 3). With an input
        /// covariance, du/dt = -u Sigma K and Sigma K has the eigenvalue signs of K (Sylvester), so the verdict stands.
        public let initialLambdaMinK: Double?
        public let finalLambdaMinK: Double?
        public let statistics: ODEStatistics
    }

    /// How the run is described in the summary and the figure (the study holds the science, the command its words).
    public struct Description {
        public var activation: String
        public var integrator: String
        public var stepper: String?
        /// One header note: the data and the loss.
        public var mode: String
        public var caption: String
        /// Whether a state file is saved per finished rule (the warning of a diverged rule says none is).
        public var savesState: Bool

        public init(activation: String, integrator: String, stepper: String?, mode: String, caption: String, savesState: Bool) {
            self.activation = activation
            self.integrator = integrator
            self.stepper = stepper
            self.mode = mode
            self.caption = caption
            self.savesState = savesState
        }
    }

    public struct Summary: Encodable, Sendable {
        public let inputs: Int
        public let hidden: Int
        public let ratio: Double
        public let activation: String
        public let data: String
        public let integrator: String
        public let stepper: String?
        public let runs: [RunSummary]
    }

    /// One data set per rule (a diverged run's rows up to its blow-up), the figure, the summary and the results. A
    /// run that diverged is kept beside the others, marked in its set title, the summary and a warning.
    public func report(_ runs: [Run], shape: NetworkShape, description: Description) -> StudyReport {
        let summaries = runs.map { r in
            RunSummary(rule: r.rule.name, flippedInputs: r.signs.flippedInputs, flippedHidden: r.signs.flippedHidden, status: r.status.summary,
                       diverged: !r.status.isSuccess, finalTime: r.rows.last { $0.allSatisfy(\.isFinite) }?.first ?? 0, initialLoss: r.initialLoss,
                       finalLoss: r.status.isSuccess ? r.finalLoss : nil, finalTestLoss: r.status.isSuccess ? r.finalTestLoss : nil,
                       maxLoss: r.status.isSuccess ? r.maxLoss : nil, q: r.q, initialLambdaMinK: r.lambdaMin?.start,
                       finalLambdaMinK: r.status.isSuccess ? r.lambdaMin?.end : nil, statistics: r.statistics)
        }
        let lines = summaries.map { r in
            var line = "\(r.rule): K1=\(r.flippedInputs) K2=\(r.flippedHidden)  loss \(String(format: "%.3e", r.initialLoss)) -> "
                + (r.finalLoss.map { String(format: "%.3e", $0) + " at t=\(r.finalTime)" }
                   ?? String(format: "diverged (data up to t = %.4g)", r.finalTime))
            if let test = r.finalTestLoss { line += String(format: "  test %.3e", test) }
            if let a = r.initialLambdaMinK, let b = r.finalLambdaMinK { line += "  lambda_min(K) \(String(format: "%.3g", a)) -> \(String(format: "%.3g", b))" }
            if let q = r.q { line += String(format: "  q %.3g", q) }
            line += "  [\(r.status); \(r.statistics.functionEvaluations) evaluations, \(r.statistics.steps) steps]"
            return line
        }
        let table = Table(suffix: "", label: "data", columns: usesPopulationFlow ? LearningCurve.columns : TrainingCurve.columns,
                          sets: runs.map { ("\($0.rule.name) flipped_inputs=\($0.signs.flippedInputs) flipped_hidden=\($0.signs.flippedHidden) status=\($0.status.summary)",
                                            $0.rows.filter { $0.allSatisfy(\.isFinite) }) })
        let titles = runs.map { r in r.rule.name == "gd" ? "gradient descent" : "\(r.rule.name) (K1=\(r.signs.flippedInputs), K2=\(r.signs.flippedHidden))" }
        return StudyReport(
            tables: [table],
            figure: FigurePlan(script: usesPopulationFlow ? "learning_curves.gp" : "training_curves.gp", arguments: [.table(""), .text(description.caption)], titles: titles),
            summary: lines,
            results: Summary(inputs: shape.inputs, hidden: shape.hidden, ratio: Double(shape.inputs) / Double(shape.hidden), activation: description.activation,
                             data: usesPopulationFlow ? "population" : "finite", integrator: description.integrator, stepper: description.stepper, runs: summaries),
            warnings: runs.filter { !$0.status.isSuccess }.map {
                "rule \($0.rule.name): \($0.status.summary); its data stop there\(description.savesState ? " and no state is saved" : "")"
            },
            parameters: parameters(runs), notes: [description.mode])
    }
}
