import ArgumentParser
import ComplexModule
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// `curldyn stability`: eigenvalues of the linear learning flow at a point of the solution manifold.
struct StabilityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stability",
        abstract: "Stability verdict of the linear flow at a point of the solution manifold, with the Jacobian spectrum on request.",
        discussion: """
        The transverse Jacobian eigenvalues at a point of the manifold W2 W1 = w* are -sigma_x^2 eig(K), \
        K = |w2|^2 D1 + W1^T D2 W1 (M x M, symmetric): the point is stable iff lambda_min(K) > 0 (marginal within \
        1e-10). By default the verdict comes from Cholesky factorisations of K -+ 1e-10 I, a certificate of \
        positive definiteness at a tenth of the eigenvalues' cost (M = N = 2000: well under a second per rule); \
        --spectrum computes eig(K), lambda_min(K) and the predicted Jacobian eigenvalues; --full also the dense \
        (NM + N)-dimensional Jacobian's spectrum as a check. Writes OUT/NAME.dat, one index per rule and kind: \
        the verdict (sign of lambda_min(K): 1, -1 or 0 for marginal), or with --spectrum eig(K) and the predicted \
        Jacobian eigenvalues, and with --full the full spectrum (re, im). \
        Also reports the origin's spectrum type (saddle, center or mixed). With --train-size P or a nonlinear \
        --activation, the flow is the full-batch flow on P teacher-labelled samples (any rule, any activation): \
        its analytic Jacobian's spectrum is computed at the point and the verdict is read from its largest \
        non-zero real part. --finite-differences checks the analytic Jacobian against central differences.
        """)

    enum PointName: String, ExpressibleByArgument, CaseIterable { case teacher, manifold }

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(parsing: .unconditional, help: "Seed of the teacher (and of a random manifold point).") var seed: UInt64 = 1
    @Option(help: "Where: teacher (the teacher itself), manifold (a seeded random point of the manifold); --load-state uses saved weights.") var point: PointName = .teacher
    @Flag(help: "Compute eig(K), lambda_min(K) and the predicted Jacobian eigenvalues (O(M^3) eigensolves; without it only the verdict, by Cholesky).") var spectrum = false
    @Flag(help: "Also compute the full Jacobian's eigenvalues (dense, O((NM + N)^3); at most \(Self.fullJacobianLimit) weights NM + N; implies --spectrum).") var full = false
    @Flag(help: "Check the analytic Jacobian against central finite differences.") var finiteDifferences = false
    @Option(help: "Base name of the output files.") var name = "stability"

    /// The most weights (NM + N) for which the dense Jacobian is built and diagonalised (--full, --finite-differences,
    /// the full-batch flow): its P x P matrix takes 8 P^2 bytes and the nonsymmetric eigensolve about 10 P^3 flops, so
    /// 3000 weights cost 72 MB and a few seconds, while the README's former M = 40, N = 400 (16400 weights) would need
    /// 2.2 GB and hours. The stability matrix K (M x M) has no such limit.
    static let fullJacobianLimit = 3000

    /// Nonlinear networks and finite data use the full-batch flow's Jacobian.
    var usesFullBatchFlow: Bool { network.trainSize != nil || network.activation != .linear }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn stability with these sizes")
        if full || finiteDifferences || usesFullBatchFlow, network.inputs * network.hidden + network.hidden > Self.fullJacobianLimit {
            throw ValidationError("the full Jacobian (--full, --finite-differences, finite data) needs at most \(Self.fullJacobianLimit) weights (NM + N)")
        }
        if usesFullBatchFlow, point == .manifold, network.activation != .linear {
            throw ValidationError("--point manifold constructs zero-error points of linear networks only")
        }
        try rethrowingAsValidation {
            let shape = try network.shape
            for rule in rules.rules where !usesFullBatchFlow {
                guard rule.feedback == .backpropagation, rule.convention == .column else {
                    throw ParameterError("stability analyses gradient and curl descent in the column convention")
                }
                _ = try rule.signs(for: shape)
            }
        }
    }

    struct RuleReport: Encodable {
        let rule: String
        let flippedInputs: Int
        let flippedHidden: Int
        /// nil without --spectrum (the verdict then comes from Cholesky factorisations).
        let lambdaMinK: Double?
        let verdict: String
        let largestJacobianEigenvalue: Double?
        let fullJacobianCheck: Double?
        let finiteDifferenceCheck: Double?
        let origin: String
    }

    struct Summary: Encodable {
        let inputs: Int
        let hidden: Int
        let ratio: Double
        let point: String
        let errorNorm: Double
        let rules: [RuleReport]
    }

    func run() throws {
        BLASThreads.pinToOne()
        let shape = try network.shape
        let teacher = try StudentTeacherPair(shape: shape, teacher: network.teacherInit, normalizedTeacher: network.normalizedTeacher,
                                             student: .nearTeacher(perturbation: 0), seed: seed).teacher
        let at: TwoLayerWeights
        if let path = network.loadState {
            at = try StateFile.read(URL(fileURLWithPath: path), shape: shape)
        } else if point == .manifold {
            at = Stability.randomManifoldPoint(target: teacher.endToEnd, shape: shape, initialization: network.teacherInit, seed: seed)
        } else {
            at = teacher
        }
        var reports: [RuleReport] = []
        var dataSets: [DataFile.DataSet] = []
        let errorNorm: Double
        if usesFullBatchFlow {
            (reports, dataSets, errorNorm) = try fullBatchReports(teacher: teacher, at: at)
        } else {
            // Checked before any (possibly dense, O(P^3)) spectrum is computed.
            let flow = try LinearFlow(teacher: teacher, rule: rules.rules[0], inputVariance: network.inputVariance, seed: seed)
            errorNorm = try requireZeroError(Vector.norm(flow.error(at.flattened)), teacher: teacher)  // |u| is the same for every rule
        }
        for rule in rules.rules where !usesFullBatchFlow {
            let flow = try LinearFlow(teacher: teacher, rule: rule, inputVariance: network.inputVariance, seed: seed)
            let report = try Stability.analyse(flow, at: at, spectrum: spectrum, fullJacobian: full)
            if let eigenK = report.stabilityMatrixEigenvalues, let predicted = report.predictedJacobianEigenvalues {
                dataSets.append(.init(title: "\(rule.name) reduced: k eig(K) predicted_jacobian_eigenvalue",
                                      rows: zip(eigenK, predicted.reversed()).enumerated().map { [Double($0.offset), $0.element.0, $0.element.1] }))
            } else {
                let sign: Double = switch report.verdict { case .stable: 1; case .unstable: -1; case .marginal: 0 }
                dataSets.append(.init(title: "\(rule.name) verdict by Cholesky: k sign(lambda_min(K)) tolerance", rows: [[0, sign, Stability.marginalTolerance]]))
            }
            var check: Double?
            if let spectrum = report.jacobianEigenvalues, let predicted = report.predictedJacobianEigenvalues {
                let transverse = spectrum.filter { $0.length > 1e-8 * max(1, spectrum.map(\.length).max() ?? 1) }.map(\.real).sorted()
                check = transverse.count == predicted.count ? Vector.maxAbsDifference(transverse, predicted) : .infinity
                dataSets.append(.init(title: "\(rule.name) full Jacobian: k re im", rows: spectrum.enumerated().map { [Double($0.offset), $0.element.real, $0.element.imaginary] }))
            }
            let fdCheck = finiteDifferences
                ? Vector.maxAbsDifference(FiniteDifference.jacobian(of: flow.makeVectorField(), at: at.flattened).elements, flow.jacobian(at.flattened).elements)
                : nil
            reports.append(RuleReport(rule: rule.name, flippedInputs: flow.signs.flippedInputs, flippedHidden: flow.signs.flippedHidden,
                                      lambdaMinK: report.lambdaMin, verdict: report.verdict.rawValue,
                                      largestJacobianEigenvalue: report.predictedJacobianEigenvalues?.last, fullJacobianCheck: check,
                                      finiteDifferenceCheck: fdCheck, origin: Stability.originKind(flow)))
        }
        let file = DataFile(header: Provenance.thisRun(parameters: network.parameters(trainCount: usesFullBatchFlow ? network.trainCount : nil) + rules.parameters
                                                   + [("point", network.loadState.map { "file:\($0)" } ?? point.rawValue), ("spectrum", "\(spectrum || full)"),
                                                      ("full", "\(full)")],
                                               seed: seed, notes: ["the verdict or the eigenvalues of K = |w2|^2 D1 + W1^T D2 W1 and of the Jacobian, one index per rule and kind"]),
                            columns: ["k", "value", "value2"], dataSets: dataSets)
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
        let summary = Summary(inputs: shape.inputs, hidden: shape.hidden, ratio: shape.ratio, point: point.rawValue, errorNorm: errorNorm, rules: reports)
        try output.deliver(RunOutput(command: "stability", provenance: file.header, files: [.init(label: "data", name: "\(name).dat", table: file)],
                                     summary: lines, results: try JSONTreeEncoder.encode(summary)))
    }

    /// Refuses a point off the solution manifold (|W2 W1 - w*|, or the train loss for finite data): a verdict
    /// needs a zero-error point.
    @discardableResult
    func requireZeroError(_ error: Double, teacher: TwoLayerWeights) throws -> Double {
        guard error < 1e-8 * max(1, Vector.norm(teacher.endToEnd)) else {
            throw CommandFailure("the point is not on the solution manifold (\(usesFullBatchFlow ? "train loss" : "|W2 W1 - w*|") = \(error)); the verdict needs a zero-error point")
        }
        return error
    }

    /// The full-batch flow's spectrum at `at` for every rule (nonlinear networks, finite data).
    func fullBatchReports(teacher: TwoLayerWeights, at: TwoLayerWeights) throws -> ([RuleReport], [DataFile.DataSet], Double) {
        let activation = network.networkActivation
        let data = try TaskData(teacher: teacher, activation: activation, trainCount: network.trainCount, testCount: network.testSize,
                                inputVariance: network.inputVariance, seed: seed)
        var reports: [RuleReport] = []
        var sets: [DataFile.DataSet] = []
        var loss = 0.0
        for rule in rules.rules {
            let problem = try TrainingProblem(start: at, activation: activation, rule: rule, data: data, normConstraint: false, seed: seed)
            loss = try requireZeroError(problem.trainLoss(at), teacher: teacher)  // the same for every rule: fails at the first
            let flow = FullBatchFlow(problem)
            let jacobian = flow.jacobian(at.flattened)
            let spectrum = try Eigen.eigenvalues(jacobian)
            let scale = max(1e-300, spectrum.map(\.length).max() ?? 0)
            let largest = spectrum.filter { $0.length > 1e-8 * scale }.map(\.real).max() ?? 0
            let verdict = largest > 1e-10 * scale ? "unstable" : "stable"
            let fdCheck = finiteDifferences
                ? Vector.maxAbsDifference(FiniteDifference.jacobian(of: flow.makeVectorField(), at: at.flattened).elements, jacobian.elements)
                : nil
            sets.append(.init(title: "\(rule.name) full-batch Jacobian: k re im", rows: spectrum.enumerated().map { [Double($0.offset), $0.element.real, $0.element.imaginary] }))
            reports.append(RuleReport(rule: rule.name, flippedInputs: problem.signs.flippedInputs, flippedHidden: problem.signs.flippedHidden,
                                      lambdaMinK: nil, verdict: verdict, largestJacobianEigenvalue: largest, fullJacobianCheck: nil,
                                      finiteDifferenceCheck: fdCheck, origin: "n/a"))
        }
        return (reports, sets, loss)
    }
}
