import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit
import Studies

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
        let flow: StabilityStudy.Flow = usesFullBatchFlow
            ? .fullBatch(try TaskData(teacher: teacher, activation: network.networkActivation, trainCount: network.trainCount, testCount: network.testSize,
                                      inputVariance: network.inputVariance, seed: seed), activation: network.networkActivation)
            : .population(inputVariance: network.inputVariance)
        let study = StabilityStudy(rules: rules.rules, teacher: teacher, point: at, flow: flow, spectrum: spectrum, fullJacobian: full,
                                   finiteDifferences: finiteDifferences, seed: seed)
        try output.deliver(try study.run(pointName: point.rawValue), command: "stability", baseName: name,
                           parameters: network.parameters(trainCount: usesFullBatchFlow ? network.trainCount : nil) + rules.parameters
                               + [("point", network.loadState.map { "file:\($0)" } ?? point.rawValue), ("spectrum", "\(spectrum || full)"), ("full", "\(full)")],
                           seed: seed)
    }
}
