import ArgumentParser
import Foundation
import GnuplotIO
import NodePerturbation
import NumericalKit
import Studies

extension ManifoldDisplacement: ExpressibleByArgument {}

/// `curldyn np-curl`: NP and exact gradients with rule-flipped neurons, started next to the solution manifold of the
/// linear M -> N -> 1 net, against the curl-descent stability matrix K (curl-descent.md 2.2, loco.md 2.1).
struct NPCurlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "np-curl",
        abstract: "Learn with rule-flipped neurons by node perturbation and exact gradients near the solution manifold, against K.",
        discussion: """
        A seeded linear student M -> N -> 1 defines the teacher w* = (w2 W1)^T, so it starts on the solution manifold; \
        it is displaced by --displacement (relative, along a random direction or K's bottom eigenvector). Each step draws \
        a batch x ~ N(0, I_M) and steps W_l <- W_l - lr G_l D_l, with G_l the exact batch gradient (gd) or one \
        node-perturbation draw (np, pre-activation noise in both layers); D1 flips the first --flip-inputs inputs, D2 \
        the first --flip-hidden hidden neurons (default, when neither is given: half of them). Near the manifold the \
        mean error u = w2 W1 - w*^T obeys u_{t+1} = u_t (I - lr K), K = |w2|^2 D1 + W1^T D2 W1, so |u| grows by \
        1 - lr lambda_min(K) per step when lambda_min < 0 and decays when it is > 0. Prints lambda_min, rank(K), the \
        ranks of the step-1 updates, the predicted and measured per-step factors. Writes OUT/NAME.dat (columns step, \
        |u| per method, the linear theory |u_0 (I - lr K)^t|; the geometric mean over --replicates) and OUT/NAME.png. \
        A run that blows up (|u| > 1e4 |w*|) stops there and is reported as diverged; its data are still written.
        """)

    enum MethodChoice: String, ExpressibleByArgument, CaseIterable {
        case gd, np, both
        var methods: [FlippedNPMethod] {
            switch self {
            case .gd: [.gradient]
            case .np: [.nodePerturbation]
            case .both: [.gradient, .nodePerturbation]
            }
        }
    }

    @Option(name: [.customShort("M"), .long], parsing: .unconditional, help: "Number of input neurons M.") var inputs = 20
    @Option(name: [.customShort("N"), .long], parsing: .unconditional, help: "Number of hidden neurons N.") var hidden = 30
    @Option(parsing: .unconditional, help: "Rule-flipped input neurons (D1, the first ones).") var flipInputs: Int?
    @Option(parsing: .unconditional, help: "Rule-flipped hidden neurons (D2, the first ones; default N/2 when no flip is given).") var flipHidden: Int?
    @Option(help: "Update: gd (exact batch gradient), np (node perturbation) or both.") var method: MethodChoice = .both
    @Option(parsing: .unconditional, help: "Learning rate eta.") var lr = 0.01
    @Option(parsing: .unconditional, help: "Node-perturbation size sigma (1e-8...1e3).") var sigma = 1e-4
    @Option(parsing: .unconditional, help: "Batch size B.") var batchSize = 10
    @Option(parsing: .unconditional, help: "Training steps.") var steps = 1000
    @Option(parsing: .unconditional, help: "Record |u| every this many steps.") var logEvery = 10
    @Option(parsing: .unconditional, help: "Relative size of the displacement from the manifold.") var displacement = 1e-3
    @Option(help: "Direction of the displacement: random, or bottom (u_0 along K's bottom eigenvector).") var direction: ManifoldDisplacement = .random
    @Option(parsing: .unconditional, help: "Runs per method with their own batches and noise (same network); the curves are their geometric mean.") var replicates = 1
    @Option(parsing: .unconditional, help: "Seed of the network, the displacement, the batches and the noise.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Worker threads.") var threads = ProcessorBudget.available
    @Option(help: "Base name of the output files.") var name = "np_curl"
    @OptionGroup(title: "Output") var output: OutputOptions

    /// The flips: as given, or half the hidden neurons when neither option is given.
    var flips: (inputs: Int, hidden: Int) {
        flipInputs == nil && flipHidden == nil ? (0, hidden / 2) : (flipInputs ?? 0, flipHidden ?? 0)
    }

    var problem: FlippedNPProblem {
        var p = FlippedNPProblem()
        p.inputs = inputs
        p.hidden = hidden
        (p.flippedInputs, p.flippedHidden) = flips
        p.learningRate = lr
        p.sigma = sigma
        p.batchSize = batchSize
        p.steps = steps
        p.logEvery = logEvery
        p.displacement = displacement
        p.direction = direction
        p.seed = seed
        return p
    }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn np-curl with these sizes")
        guard inputs >= 1, hidden >= 1 else { throw ValidationError("--inputs and --hidden must be positive, got \(inputs), \(hidden)") }
        if let k = flipInputs, !(0...inputs).contains(k) { throw ValidationError("--flip-inputs must lie in 0...\(inputs) (the inputs M), got \(k)") }
        if let k = flipHidden, !(0...hidden).contains(k) { throw ValidationError("--flip-hidden must lie in 0...\(hidden) (the hidden neurons N), got \(k)") }
        guard lr > 0, lr.isFinite else { throw ValidationError("--lr must be positive and finite, got \(lr)") }
        let sigmas = NodePerturbationEstimator.sigmaRange
        guard sigmas.contains(sigma) else { throw ValidationError("--sigma must be positive and within \(sigmas.lowerBound)...\(sigmas.upperBound), got \(sigma)") }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1, got \(batchSize)") }
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1, got \(steps)") }
        guard logEvery >= 1 else { throw ValidationError("--log-every must be at least 1, got \(logEvery)") }
        guard displacement > 0, displacement.isFinite else { throw ValidationError("--displacement must be positive and finite, got \(displacement)") }
        guard replicates >= 1, threads >= 1 else { throw ValidationError("--replicates and --threads must be at least 1") }
        try rethrowingAsValidation { try problem.validate() }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let (k1, k2) = flips
        let study = FlippedNPStudy(problem: problem, methods: method.methods, replicates: replicates, threads: threads,
                                   caption: "M=\(inputs) N=\(hidden) K1=\(k1) K2=\(k2) lr=\(lr) B=\(batchSize), seed \(seed)")
        try output.deliver(try study.run(), command: "np-curl", baseName: name,
                           parameters: [("M", "\(inputs)"), ("N", "\(hidden)"), ("flip_inputs", "\(k1)"), ("flip_hidden", "\(k2)"), ("method", method.rawValue),
                                        ("lr", "\(lr)"), ("sigma", "\(sigma)"), ("batch_size", "\(batchSize)"), ("steps", "\(steps)"), ("log_every", "\(logEvery)"),
                                        ("displacement", "\(displacement)"), ("direction", direction.rawValue), ("replicates", "\(replicates)")],
                           seed: seed)
    }
}
