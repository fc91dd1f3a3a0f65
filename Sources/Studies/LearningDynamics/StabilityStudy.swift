import ComplexModule
import LearningDynamics
import NumericalKit

/// `stability`: the stability of the learning flow at a point of the solution manifold under each rule. For the
/// linear population flow the verdict is the sign of lambda_min(K), K = |w2|^2 D1 + W1^T D2 W1 (by Cholesky, or
/// from eig(K) with the spectrum); with finite data or a nonlinear network it is read from the full-batch flow's
/// analytic Jacobian spectrum.
public struct StabilityStudy {
    public enum Flow {
        /// The linear population flow with input variance sigma_x^2.
        case population(inputVariance: Double)
        /// The full-batch flow on the teacher-labelled data.
        case fullBatch(TaskData, activation: NetworkActivation)
    }

    public var rules: [LearningRule]
    public var teacher: TwoLayerWeights
    /// The point analysed; it must lie on the solution manifold.
    public var point: TwoLayerWeights
    public var flow: Flow
    /// eig(K) and the predicted Jacobian eigenvalues (population flow), not only the verdict.
    public var spectrum: Bool
    /// Also the dense Jacobian's spectrum, as a check of the prediction (population flow).
    public var fullJacobian: Bool
    /// Check the analytic Jacobian against central finite differences.
    public var finiteDifferences: Bool
    public var seed: UInt64

    public init(rules: [LearningRule], teacher: TwoLayerWeights, point: TwoLayerWeights, flow: Flow, spectrum: Bool, fullJacobian: Bool,
                finiteDifferences: Bool, seed: UInt64) {
        self.rules = rules
        self.teacher = teacher
        self.point = point
        self.flow = flow
        self.spectrum = spectrum
        self.fullJacobian = fullJacobian
        self.finiteDifferences = finiteDifferences
        self.seed = seed
    }

    /// A point off the solution manifold: no verdict exists there.
    public struct OffManifold: Error, CustomStringConvertible {
        public let description: String
    }

    public struct RuleReport: Encodable, Sendable {
        public let rule: String
        public let flippedInputs: Int
        public let flippedHidden: Int
        /// nil without the spectrum (the verdict then comes from Cholesky factorisations).
        public let lambdaMinK: Double?
        public let verdict: String
        public let largestJacobianEigenvalue: Double?
        public let fullJacobianCheck: Double?
        public let finiteDifferenceCheck: Double?
        public let origin: String
    }

    public struct Summary: Encodable, Sendable {
        public let inputs: Int
        public let hidden: Int
        public let ratio: Double
        public let point: String
        public let errorNorm: Double
        public let rules: [RuleReport]
    }

    /// Analyses every rule; `pointName` names the point in the results.
    public func run(pointName: String) throws -> StudyReport {
        let (reports, sets, errorNorm) = switch flow {
        case .population(let inputVariance): try populationReports(inputVariance: inputVariance)
        case .fullBatch(let data, let activation): try fullBatchReports(data: data, activation: activation)
        }
        let lines = reports.map { r in
            var line = String(format: "%@: K1=%d K2=%d  ", r.rule, r.flippedInputs, r.flippedHidden)
            if let lambdaMin = r.lambdaMinK { line += String(format: "lambda_min(K) = %.6g -> ", lambdaMin) }
            if let largest = r.largestJacobianEigenvalue {
                line += String(format: "%@ (largest non-zero Jacobian eigenvalue, real part %.4g)", r.verdict, largest)
            } else {
                line += "\(r.verdict) (Cholesky of K: \(r.verdict == "unstable" ? "not positive definite" : r.verdict == "stable" ? "positive definite" : "within 1e-10 of singular"))"
            }
            if let c = r.fullJacobianCheck { line += String(format: "; full Jacobian agrees to %.1e", c) }
            if let c = r.finiteDifferenceCheck { line += String(format: "; finite differences agree to %.1e", c) }
            if r.origin != "n/a" { line += "; origin: \(r.origin)" }
            return line
        }
        let shape = point.shape
        return StudyReport(tables: [Table(suffix: "", label: "data", columns: ["k", "value", "value2"], sets: sets)], summary: lines,
                           results: Summary(inputs: shape.inputs, hidden: shape.hidden, ratio: shape.ratio, point: pointName, errorNorm: errorNorm, rules: reports),
                           notes: ["the verdict or the eigenvalues of K = |w2|^2 D1 + W1^T D2 W1 and of the Jacobian, one index per rule and kind"])
    }

    /// Refuses a point off the solution manifold (|W2 W1 - w*|, or the train loss for finite data).
    @discardableResult
    func requireZeroError(_ error: Double, measure: String) throws -> Double {
        guard error < 1e-8 * max(1, Vector.norm(teacher.endToEnd)) else {
            throw OffManifold(description: "the point is not on the solution manifold (\(measure) = \(error)); the verdict needs a zero-error point")
        }
        return error
    }

    func populationReports(inputVariance: Double) throws -> ([RuleReport], [(title: String, rows: [[Double]])], Double) {
        // Checked before any (possibly dense) spectrum is computed; |u| is the same for every rule.
        let first = try LinearFlow(teacher: teacher, rule: rules[0], inputVariance: inputVariance, seed: seed)
        let errorNorm = try requireZeroError(Vector.norm(first.error(point.flattened)), measure: "|W2 W1 - w*|")
        var reports: [RuleReport] = []
        var sets: [(title: String, rows: [[Double]])] = []
        for rule in rules {
            let flow = try LinearFlow(teacher: teacher, rule: rule, inputVariance: inputVariance, seed: seed)
            let report = try Stability.analyse(flow, at: point, spectrum: spectrum, fullJacobian: fullJacobian)
            if let eigenK = report.stabilityMatrixEigenvalues, let predicted = report.predictedJacobianEigenvalues {
                sets.append(("\(rule.name) reduced: k eig(K) predicted_jacobian_eigenvalue",
                             zip(eigenK, predicted.reversed()).enumerated().map { [Double($0.offset), $0.element.0, $0.element.1] }))
            } else {
                let sign: Double = switch report.verdict { case .stable: 1; case .unstable: -1; case .marginal: 0 }
                sets.append(("\(rule.name) verdict by Cholesky: k sign(lambda_min(K)) tolerance", [[0, sign, Stability.marginalTolerance]]))
            }
            var check: Double?
            if let spectrum = report.jacobianEigenvalues, let predicted = report.predictedJacobianEigenvalues {
                let transverse = spectrum.filter { $0.length > 1e-8 * max(1, spectrum.map(\.length).max() ?? 1) }.map(\.real).sorted()
                check = transverse.count == predicted.count ? Vector.maxAbsDifference(transverse, predicted) : .infinity
                sets.append(("\(rule.name) full Jacobian: k re im", spectrum.enumerated().map { [Double($0.offset), $0.element.real, $0.element.imaginary] }))
            }
            let fdCheck = finiteDifferences
                ? Vector.maxAbsDifference(FiniteDifference.jacobian(of: flow.makeVectorField(), at: point.flattened).elements, flow.jacobian(point.flattened).elements)
                : nil
            reports.append(RuleReport(rule: rule.name, flippedInputs: flow.signs.flippedInputs, flippedHidden: flow.signs.flippedHidden,
                                      lambdaMinK: report.lambdaMin, verdict: report.verdict.rawValue,
                                      largestJacobianEigenvalue: report.predictedJacobianEigenvalues?.last, fullJacobianCheck: check,
                                      finiteDifferenceCheck: fdCheck, origin: Stability.originKind(flow)))
        }
        return (reports, sets, errorNorm)
    }

    /// The full-batch flow's spectrum at the point for every rule (nonlinear networks, finite data).
    func fullBatchReports(data: TaskData, activation: NetworkActivation) throws -> ([RuleReport], [(title: String, rows: [[Double]])], Double) {
        var reports: [RuleReport] = []
        var sets: [(title: String, rows: [[Double]])] = []
        var loss = 0.0
        for rule in rules {
            let problem = try TrainingProblem(start: point, activation: activation, rule: rule, data: data, normConstraint: false, seed: seed)
            loss = try requireZeroError(problem.trainLoss(point), measure: "train loss")  // the same for every rule: fails at the first
            let flow = FullBatchFlow(problem)
            let jacobian = flow.jacobian(point.flattened)
            let spectrum = try Eigen.eigenvalues(jacobian)
            let scale = max(1e-300, spectrum.map(\.length).max() ?? 0)
            let largest = spectrum.filter { $0.length > 1e-8 * scale }.map(\.real).max() ?? 0
            let verdict = largest > 1e-10 * scale ? "unstable" : "stable"
            let fdCheck = finiteDifferences
                ? Vector.maxAbsDifference(FiniteDifference.jacobian(of: flow.makeVectorField(), at: point.flattened).elements, jacobian.elements)
                : nil
            sets.append(("\(rule.name) full-batch Jacobian: k re im", spectrum.enumerated().map { [Double($0.offset), $0.element.real, $0.element.imaginary] }))
            reports.append(RuleReport(rule: rule.name, flippedInputs: problem.signs.flippedInputs, flippedHidden: problem.signs.flippedHidden,
                                      lambdaMinK: nil, verdict: verdict, largestJacobianEigenvalue: largest, fullJacobianCheck: nil,
                                      finiteDifferenceCheck: fdCheck, origin: "n/a"))
        }
        return (reports, sets, loss)
    }
}
