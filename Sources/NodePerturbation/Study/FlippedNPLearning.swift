import Foundation
import NumericalKit

// Node perturbation with rule-flipped neurons on the linear curl-descent network M -> N -> 1 (curl-descent.md
// 1.2, 2.2; loco.md 2.1): the student starts next to a point of the solution manifold, and the error
// u = w2 W1 - w*^T grows or shrinks as the stability matrix K = |w2|^2 D1 + W1^T D2 W1 predicts.

/// How each step's update of `FlippedNPProblem` is estimated.
public enum FlippedNPMethod: String, Sendable, CaseIterable {
    /// The exact batch gradient (backpropagation).
    case gradient = "gd"
    /// One node-perturbation draw per step: pre-activation noise in both layers at once.
    case nodePerturbation = "np"
}

/// Which way the student leaves the solution manifold at step 0.
public enum ManifoldDisplacement: String, Sendable, CaseIterable {
    /// Each layer moved along a seeded Gaussian direction, |dW_l|_F = displacement * |W_l|_F.
    case random
    /// W1 moved by dW1 = eps w2^T v^T / |w2|^2 with v K's bottom eigenvector (w2 unchanged), so u_0 = eps v^T
    /// lies on the most unstable (or slowest) mode; |dW1|_F = displacement * |W1|_F.
    case bottomEigenvector = "bottom"
}

/// Learning of the linear M -> N -> 1 network from a displaced point of its solution manifold with rule-flipped
/// neurons. The student (W1 ~ N(0, 1/M), w2 ~ N(0, 1/N), `MLP.random` from stream 1 of `seed`) defines the
/// teacher w* = (w2 W1)^T, so it starts with zero error; it is then displaced (stream 3). Each step draws a fresh
/// batch x ~ N(0, I_M) with targets w*^T x, estimates the update G_l, and steps W_l <- W_l - eta G_l D_l.
public struct FlippedNPProblem: Sendable, Equatable {
    /// M (inputs) and N (hidden neurons).
    public var inputs = 20
    public var hidden = 30
    /// Rule-flipped input neurons K1 (D1) and hidden neurons K2 (D2): the first ones, as in curl-descent.md 1.2.
    public var flippedInputs = 0
    public var flippedHidden = 0
    public var learningRate = 0.01
    /// NP perturbation size; NP's error floor near the manifold scales with it (about sigma sqrt(eta)).
    public var sigma = 1e-4
    public var batchSize = 10
    public var steps = 1000
    /// |u| is recorded at step 0, every `logEvery` steps and at the last step.
    public var logEvery = 10
    /// Relative size of the displacement from the manifold.
    public var displacement = 1e-3
    public var direction = ManifoldDisplacement.random
    /// A run stops as diverged once |u| is non-finite or above `divergenceRatio` * |w*|.
    public var divergenceRatio = 1e4
    public var seed: UInt64 = 0

    public init() {}

    public func validate() throws {
        guard inputs >= 1, hidden >= 1 else { throw ParameterError("need M >= 1 inputs and N >= 1 hidden neurons, got \(inputs), \(hidden)") }
        guard (0...inputs).contains(flippedInputs) else {
            throw ParameterError("flipped inputs must lie in 0...\(inputs) (M), got \(flippedInputs)")
        }
        guard (0...hidden).contains(flippedHidden) else {
            throw ParameterError("flipped hidden neurons must lie in 0...\(hidden) (N), got \(flippedHidden)")
        }
        guard learningRate > 0, learningRate.isFinite else { throw ParameterError("the learning rate must be positive and finite, got \(learningRate)") }
        guard NodePerturbationEstimator.sigmaRange.contains(sigma) else {
            throw ParameterError("sigma must lie in \(NodePerturbationEstimator.sigmaRange.lowerBound)...\(NodePerturbationEstimator.sigmaRange.upperBound), got \(sigma)")
        }
        guard batchSize >= 1 else { throw ParameterError("the batch size must be at least 1, got \(batchSize)") }
        guard steps >= 1 else { throw ParameterError("steps must be at least 1, got \(steps)") }
        guard logEvery >= 1 else { throw ParameterError("log-every must be at least 1, got \(logEvery)") }
        guard displacement > 0, displacement.isFinite else { throw ParameterError("the displacement must be positive and finite, got \(displacement)") }
        guard divergenceRatio > 0, divergenceRatio.isFinite else { throw ParameterError("the divergence ratio must be positive and finite") }
    }

    // Streams of `seed`: the student (`NPStreams.student`), the displacement (`NPStreams.displacement`), and per
    // replicate r the batches (`NPStreams.batches`, index r) and the NP noise (`NPStreams.nodeNoise`, index r).
    // GD and NP see the same batches.
}

/// The start of every run: the manifold point, its stability matrix, and the displaced student.
public struct FlippedNPStart: Sendable {
    /// The student on the manifold (zero error) and the displaced student the runs start from.
    public let manifoldPoint: MLP
    public let student: MLP
    /// w* = (w2 W1)^T of the manifold point (M entries).
    public let teacher: [Double]
    public let signs: SignMatrices
    /// K = |w2|^2 D1 + W1^T D2 W1 at the manifold point, its eigenvalues (ascending) and eigenvectors (columns).
    public let stabilityMatrix: Matrix
    public let eigenvalues: [Double]
    public let eigenvectors: Matrix
    /// rank(K) (<= M).
    public let stabilityRank: Int
    /// u_0 = w2 W1 - w*^T of the displaced student.
    public let initialError: [Double]
    /// c_k = u_0 . v_k, the components of u_0 on K's eigenvectors (ascending eigenvalues).
    public let modeAmplitudes: [Double]

    public var lambdaMin: Double { eigenvalues[0] }
    public var lambdaMax: Double { eigenvalues[eigenvalues.count - 1] }

    /// The per-step factor 1 - eta lambda_min of the bottom mode: near the manifold E[u_{t+1}] = E[u_t] (I - eta K),
    /// so the error grows when lambda_min < 0 and decays when lambda_min > 0 (and eta lambda_max < 2 - eta lambda_min).
    public func predictedGrowthFactor(learningRate eta: Double) -> Double { 1 - eta * lambdaMin }

    /// |c_0|, the component on K's bottom eigenvector: the linear theory tends to |c_0| (1 - eta lambda_min)^t as that
    /// mode takes over (|c_0| = |u_0| for the bottom-eigenvector displacement).
    public var bottomModeAmplitude: Double { abs(modeAmplitudes[0]) }

    /// |u_0 (I - eta K)^t| = sqrt(sum_k c_k^2 (1 - eta lambda_k)^(2t)), the linearised mean error after t steps;
    /// +inf once it overflows.
    public func predictedErrorNorm(afterSteps t: Int, learningRate eta: Double) -> Double {
        zip(modeAmplitudes, eigenvalues).reduce(0.0) { $0 + $1.0 * $1.0 * Foundation.pow(1 - eta * $1.1, 2 * Double(t)) }.squareRoot()
    }
}

/// The ranks of the step-1 update of replicate 0 (signed by D_l, as applied); sign flips do not change them.
public struct FlippedNPRanks: Sendable, Equatable {
    /// rank of one NP draw's update per layer: min(B, n_l, n_{l-1}) generically.
    public let nodePerturbation: [Int]
    /// rank of the exact batch gradient per layer: 1 for both layers of an M -> N -> 1 net (G1 = w2^T u Sigma-hat).
    public let gradient: [Int]
    /// min(B, n_l, n_{l-1}) per layer.
    public let bounds: [Int]
}

/// |u| against step of one run, or the geometric mean of several.
public struct FlippedNPCurve: Sendable, Equatable {
    public let steps: [Int]
    public let errorNorms: [Double]

    public init(steps: [Int], errorNorms: [Double]) {
        self.steps = steps
        self.errorNorms = errorNorms
    }

    /// exp of the least-squares slope of log|u| against step over the logged points with step in `window`:
    /// the measured per-step growth factor. Nil with fewer than two points.
    public func growthFactor(over window: ClosedRange<Int>) -> Double? {
        let points = zip(steps, errorNorms).filter { window.contains($0.0) && $0.1 > 0 && $0.1.isFinite }
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.reduce(0.0) { $0 + Double($1.0) } / n
        let my = points.reduce(0.0) { $0 + Foundation.log($1.1) } / n
        var sxy = 0.0, sxx = 0.0
        for (t, e) in points { sxy += (Double(t) - mx) * (Foundation.log(e) - my); sxx += (Double(t) - mx) * (Double(t) - mx) }
        return Foundation.exp(sxy / sxx)
    }

    /// Steps 0 through the last logged step before |u| first leaves |u_0| * 10^(+-decades) or exceeds `ceiling`:
    /// the window in which the error is near enough to the manifold for the linear prediction, and above a noise floor.
    public func linearWindow(decades: Double = 2, ceiling: Double = .infinity) -> ClosedRange<Int> {
        guard let first = errorNorms.first, first > 0 else { return 0...0 }
        let band = Foundation.pow(10, decades)
        var end = steps[0]
        for (t, e) in zip(steps, errorNorms) {
            guard e.isFinite, e <= min(first * band, ceiling), e >= first / band else { break }
            end = t
        }
        return steps[0]...end
    }
}

/// One run of one method.
public struct FlippedNPRun: Sendable {
    public let method: FlippedNPMethod
    public let replicate: Int
    public let curve: FlippedNPCurve
    /// The step at which |u| became non-finite or exceeded the divergence bound (the curve's last point when finite), or nil.
    public let divergedAt: Int?
    /// Wall-clock time of the training loop.
    public let seconds: Double

    public var diverged: Bool { divergedAt != nil }
}

/// Everything `FlippedNPProblem.solve` computes.
public struct FlippedNPResult: Sendable {
    public let problem: FlippedNPProblem
    public let start: FlippedNPStart
    public let ranks: FlippedNPRanks
    public let methods: [FlippedNPMethod]
    /// runs[m][r]: method m, replicate r.
    public let runs: [[FlippedNPRun]]

    /// The geometric mean of |u| over the replicates of `method`, at the logged steps every replicate reached.
    public func meanCurve(_ method: FlippedNPMethod) -> FlippedNPCurve? {
        guard let m = methods.firstIndex(of: method) else { return nil }
        let curves = runs[m].map(\.curve)
        let count = curves.map(\.steps.count).min() ?? 0
        let norms = (0..<count).map { k in Foundation.exp(curves.reduce(0.0) { $0 + Foundation.log($1.errorNorms[k]) } / Double(curves.count)) }
        return FlippedNPCurve(steps: Array(curves[0].steps.prefix(count)), errorNorms: norms)
    }

    /// Where growth factors are fitted: the linear window of `method`'s mean curve (two decades around |u_0|, and
    /// |u| <= `linearCeiling` |w*|, beyond which K has moved with the weights).
    public func fitWindow(_ method: FlippedNPMethod) -> ClosedRange<Int>? {
        meanCurve(method).map { $0.linearWindow(decades: 2, ceiling: Self.linearCeiling * Vector.norm(start.teacher)) }
    }

    public static let linearCeiling = 0.1

    /// The measured per-step factor: the fit of `method`'s mean curve over its fit window.
    public func measuredGrowthFactor(_ method: FlippedNPMethod) -> Double? {
        guard let curve = meanCurve(method), let window = fitWindow(method) else { return nil }
        return curve.growthFactor(over: window)
    }

    /// 1 - eta lambda_min, the asymptotic per-step factor of the linear theory.
    public var predictedGrowthFactor: Double { start.predictedGrowthFactor(learningRate: problem.learningRate) }

    /// The linear theory |u_0 (I - eta K)^t| at `steps`.
    public func predictedCurve(steps: [Int]) -> FlippedNPCurve {
        FlippedNPCurve(steps: steps, errorNorms: steps.map { start.predictedErrorNorm(afterSteps: $0, learningRate: problem.learningRate) })
    }

    /// The linear theory's factor fitted over `method`'s fit window: what `measuredGrowthFactor` should be, transients
    /// of a random displacement included (it tends to 1 - eta lambda_min as the bottom mode takes over).
    public func theoryGrowthFactor(_ method: FlippedNPMethod) -> Double? {
        guard let curve = meanCurve(method), let window = fitWindow(method) else { return nil }
        return predictedCurve(steps: curve.steps).growthFactor(over: window)
    }
}

extension FlippedNPProblem {
    /// The manifold point, K and its spectrum, and the displaced student.
    public func start() throws -> FlippedNPStart {
        try validate()
        let onManifold = try MLP.random(widths: [inputs, hidden, 1], activations: [.linear], seed: seed, role: NPStreams.student)
        let signs = try SignMatrices.flippingFirst([flippedInputs, flippedHidden], of: onManifold)
        let w1 = onManifold.weights[0], w2 = onManifold.weights[1]
        // w* = (w2 W1)^T: the error against a zero teacher.
        let zero = [Double](repeating: 0, count: inputs)
        var teacher = zero
        Self.error(of: onManifold, teacher: zero, into: &teacher)
        let k = try StabilityMatrix.build(network: onManifold, signs: signs)
        let system = try Eigen.symmetricEigensystem(k)
        var student = onManifold
        switch direction {
        case .random:
            let stream = RandomStream(seed: seed, role: NPStreams.displacement)
            for l in 0..<2 {
                let z = stream.gaussians(student.weights[l].elements.count)
                let scale = displacement * student.weights[l].frobeniusNorm / Vector.norm(z)
                for i in z.indices { student.weights[l].elements[i] += scale * z[i] }
            }
        case .bottomEigenvector:
            let w2Squared = Vector.dot(w2.elements, w2.elements)
            let eps = displacement * w1.frobeniusNorm * w2Squared.squareRoot()
            for i in 0..<hidden { for j in 0..<inputs { student.weights[0][i, j] += eps * w2.elements[i] * system.vectors[j, 0] / w2Squared } }
        }
        var u0 = [Double](repeating: 0, count: inputs)
        Self.error(of: student, teacher: teacher, into: &u0)
        return FlippedNPStart(manifoldPoint: onManifold, student: student, teacher: teacher, signs: signs, stabilityMatrix: k,
                              eigenvalues: system.values, eigenvectors: system.vectors, stabilityRank: try updateRank(k), initialError: u0,
                              modeAmplitudes: system.values.indices.map { k in u0.indices.reduce(0.0) { $0 + u0[$1] * system.vectors[$1, k] } })
    }

    /// The signed updates of step 1 of replicate 0 and their ranks.
    public func ranks(start: FlippedNPStart) throws -> FlippedNPRanks {
        var trainer = try Trainer(problem: self, start: start, replicate: 0)
        trainer.drawBatch()
        let np = try trainer.update(.nodePerturbation)
        let gd = try trainer.update(.gradient)
        let widths = start.student.widths
        return FlippedNPRanks(nodePerturbation: try np.map { try updateRank($0) }, gradient: try gd.map { try updateRank($0) },
                              bounds: (0..<2).map { min(batchSize, widths[$0 + 1], widths[$0]) })
    }

    /// One run of `method`, replicate `replicate` (its own batches and noise; same network and start).
    public func run(_ method: FlippedNPMethod, replicate: Int = 0, start: FlippedNPStart) throws -> FlippedNPRun {
        guard replicate >= 0 else { throw ParameterError("the replicate index must be >= 0, got \(replicate)") }
        let clock = DispatchTime.now().uptimeNanoseconds
        var trainer = try Trainer(problem: self, start: start, replicate: replicate)
        let bound = divergenceRatio * Vector.norm(start.teacher)
        var steps = [0], norms = [Vector.norm(start.initialError)]
        var divergedAt: Int?
        for step in 1...self.steps {
            trainer.drawBatch()
            try trainer.step(method)
            let norm = trainer.errorNorm()
            if !norm.isFinite || norm > bound { divergedAt = step }
            // A non-finite |u| ends the run without becoming data.
            if norm.isFinite && (divergedAt != nil || step % logEvery == 0 || step == self.steps) {
                steps.append(step)
                norms.append(norm)
            }
            if divergedAt != nil { break }
        }
        return FlippedNPRun(method: method, replicate: replicate, curve: FlippedNPCurve(steps: steps, errorNorms: norms), divergedAt: divergedAt,
                            seconds: Double(DispatchTime.now().uptimeNanoseconds - clock) / 1e9)
    }

    /// The start, the ranks and `replicates` runs of every method, spread over `threads` workers (the results do
    /// not depend on the thread count).
    public func solve(methods: [FlippedNPMethod] = FlippedNPMethod.allCases, replicates: Int = 1, threads: Int = 1) throws -> FlippedNPResult {
        guard !methods.isEmpty else { throw ParameterError("need at least one method") }
        guard replicates >= 1 else { throw ParameterError("need at least one replicate, got \(replicates)") }
        let start = try start()
        let problem = self
        let flat = try parallelMap(methods.count * replicates, threads: threads) { i in
            try problem.run(methods[i / replicates], replicate: i % replicates, start: start)
        }
        return FlippedNPResult(problem: self, start: start, ranks: try ranks(start: start), methods: methods,
                               runs: methods.indices.map { m in Array(flat[(m * replicates)..<((m + 1) * replicates)]) })
    }

    /// u = w2 W1 - w*^T of `network`, written into `u`.
    static func error(of network: MLP, teacher: [Double], into u: inout [Double]) {
        let w1 = network.weights[0], w2 = network.weights[1].elements
        let m = w1.columns
        for j in 0..<m { u[j] = -teacher[j] }
        for i in 0..<w1.rows { for j in 0..<m { u[j] += w2[i] * w1.elements[i * m + j] } }
    }

    /// The state of one run: the network, its seeded batch and noise streams, and reused buffers.
    struct Trainer {
        let problem: FlippedNPProblem
        let start: FlippedNPStart
        let estimator: NodePerturbationEstimator
        let batches: RandomStream
        let noiseStream: RandomStream
        var network: MLP
        var inputs: Matrix
        var targets: Matrix
        var noise: PerturbationNoise
        var u: [Double]

        init(problem: FlippedNPProblem, start: FlippedNPStart, replicate: Int) throws {
            self.problem = problem
            self.start = start
            estimator = try NodePerturbationEstimator(sigma: problem.sigma, layers: .all, placement: .preActivation)
            batches = RandomStream(seed: problem.seed, role: NPStreams.batches, index: UInt64(replicate))
            noiseStream = RandomStream(seed: problem.seed, role: NPStreams.nodeNoise, index: UInt64(replicate))
            network = start.student
            inputs = Matrix(rows: problem.batchSize, columns: problem.inputs)
            targets = Matrix(rows: problem.batchSize, columns: 1)
            noise = PerturbationNoise(layers: network.widths.dropFirst().map { Matrix(rows: problem.batchSize, columns: $0) })
            u = start.initialError
        }

        /// A fresh batch x ~ N(0, I_M) with targets w*^T x, in place.
        mutating func drawBatch() {
            let m = problem.inputs
            for b in 0..<problem.batchSize {
                var t = 0.0
                for j in 0..<m {
                    let x = batches.gaussian()
                    inputs.elements[b * m + j] = x
                    t += x * start.teacher[j]
                }
                targets.elements[b] = t
            }
        }

        /// The signed updates G_l D_l of the current batch (an NP update draws fresh noise).
        mutating func update(_ method: FlippedNPMethod) throws -> [Matrix] {
            let g: [Matrix]
            switch method {
            case .gradient:
                g = try network.backpropagate(inputs: inputs, targets: targets).weightGradients
            case .nodePerturbation:
                noise.redraw(sigma: problem.sigma, stream: noiseStream)
                g = try estimator.estimate(network: network, inputs: inputs, targets: targets, noise: noise).weightGradients.map { $0! }
            }
            return try g.indices.map { try start.signs.apply(to: g[$0], layer: $0) }
        }

        /// W_l <- W_l - eta G_l D_l.
        mutating func step(_ method: FlippedNPMethod) throws {
            let updates = try update(method)
            let eta = problem.learningRate
            for l in updates.indices {
                network.weights[l].elements.withUnsafeMutableBufferPointer { w in
                    updates[l].elements.withUnsafeBufferPointer { g in for k in w.indices { w[k] -= eta * g[k] } }
                }
            }
        }

        mutating func errorNorm() -> Double {
            FlippedNPProblem.error(of: network, teacher: start.teacher, into: &u)
            return Vector.norm(u)
        }
    }
}
