import ArgumentParser
import CurlTheory
import Foundation
import NodePerturbation
import LearningDynamics
import NumericalKit

/// `curldyn bench`: throughput of the numerical kernels the toolkit rests on.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark BLAS through the bridge, the learning-flow vector field and the eigensolvers.")

    static let matrixSizes = 1...4096
    static let repeatRange = 1...100
    static let runTimes = 1e-3...1e6

    @Option(help: "Matrix size for dgemm (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var gemmSize = 1000
    @Option(help: "Matrix size for the eigenvalue timings (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var eigenSize = 500
    @Option(help: "Repetitions per measurement, the best is reported (\(Self.repeatRange.lowerBound)...\(Self.repeatRange.upperBound)).") var repeats = 3
    @Option(help: "Horizon t of the whole-run timing at the paper's size (the paper: 1e4 = 1e5 epochs at lr 0.1; \(Self.runTimes.lowerBound)...\(Self.runTimes.upperBound)).") var runTime = 1e4

    func validate() throws {
        for (name, value) in [("--gemm-size", gemmSize), ("--eigen-size", eigenSize)] where !Self.matrixSizes.contains(value) {
            throw ValidationError("\(name) must lie in \(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound) (three N x N matrices of doubles), got \(value)")
        }
        guard Self.repeatRange.contains(repeats) else {
            throw ValidationError("--repeats must lie in \(Self.repeatRange.lowerBound)...\(Self.repeatRange.upperBound), got \(repeats)")
        }
        guard Self.runTimes.contains(runTime) else {
            throw ValidationError("--run-time must be a finite time in \(Self.runTimes.lowerBound)...\(Self.runTimes.upperBound), got \(runTime)")
        }
        try requireMemory(numbers: memoryNumbers, for: "curldyn bench with these sizes")
    }

    func run() throws {
        print("curldyn \(CurlDyn.version) bench  (GSL \(GSL.version), OpenBLAS threads \(BLASThreads.count))")
        let rng = RandomStream(seed: 12345)

        let n = gemmSize
        let a = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        let b = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        var c = Matrix(rows: n, columns: n)
        let threads = BLASThreads.count
        var oneThreadGemmRate = 0.0
        for t in Set([threads, 1]).sorted(by: >) {
            BLASThreads.set(t)
            let gemm = best { Matrix.gemm(a, b, into: &c) }
            if t == 1 { oneThreadGemmRate = 2 * pow(Double(n), 3) / gemm }
            print(String(format: "dgemm N=%d, %d BLAS thread(s): %.1f GFLOP/s (%.1f ms)", n, t, 2 * pow(Double(n), 3) / gemm / 1e9, gemm * 1e3))
        }
        BLASThreads.pinToOne()  // as `integrate` does
        print("small-matrix work below runs on \(BLASThreads.count) BLAS thread(s), as in `curldyn integrate`")

        let shape = try NetworkShape(inputs: 20, hidden: 199)
        let pair = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .random(.uniform(scale: 1)), seed: 1)
        let flow = try LinearFlow(teacher: pair.teacher, rule: .curl(flippedInputs: .count(0), flippedHidden: .fraction(0.5)))
        let field = flow.makeVectorField()
        let theta = pair.student.flattened
        var dtheta = [Double](repeating: 0, count: theta.count)
        let evaluations = 200_000
        let rhs = best {
            theta.withUnsafeBufferPointer { y in
                dtheta.withUnsafeMutableBufferPointer { f in for _ in 0..<evaluations { field(0, y, f) } }
            }
        }
        let flops = Double(3 * shape.inputs * shape.hidden * 2)
        print(String(format: "linear flow RHS M=20 N=199: %.3g evaluations/s (%.2f GFLOP/s)", Double(evaluations) / rhs,
                     Double(evaluations) * flops / rhs / 1e9))

        var options = LearningSolveOptions()
        options.endTime = 1000
        let integrate = best { _ = try? flow.learningCurve(from: pair.student, options: options) }
        print(String(format: "integrate curl flow M=20 N=199 to t=1000 (rk8pd, rtol %.0e, atol %.0e): %.1f ms",
                     options.relativeTolerance, options.absoluteTolerance, integrate * 1e3))

        BLASThreads.set(1)
        try benchPaperSize(dgemmRate: oneThreadGemmRate)

        try benchPhaseDiagrams()
        try benchNodePerturbation()
        BLASThreads.set(threads)

        let m = eigenSize
        let general = Matrix(rows: m, columns: m, elements: rng.gaussians(m * m))
        var symmetric = general
        for i in 0..<m { for j in 0..<i { symmetric[i, j] = symmetric[j, i] } }
        for solver in [EigenSolver.gsl, .lapack] {
            let tg = best { _ = try? Eigen.eigenvalues(general, solver: solver) }
            let ts = best { _ = try? Eigen.symmetricEigenvalues(symmetric, solver: solver) }
            print(String(format: "eigenvalues N=%d %@ (%d BLAS threads): general %.1f ms, symmetric %.1f ms", m, solver.rawValue, threads, tg * 1e3, ts * 1e3))
        }
    }

    /// The learning-dynamics engine at the paper's size: tanh M=100 -> N=119 (M + N = 219), P = 250, curl descent
    /// with half the readout flipped and the norm constraint, on one BLAS thread.
    func benchPaperSize(dgemmRate: Double) throws {
        let shape = try NetworkShape(inputs: 100, hidden: 119)
        let experiment = Experiment(shape: shape, activation: .reference(.tanh), teacherInit: .uniform(scale: 1),
                                    studentStart: .random(.uniform(scale: 1)), trainCount: 250, normConstraint: true,
                                    rules: [.curl(flippedInputs: .none, flippedHidden: .fraction(0.5))], integrator: .continuous(ContinuousTrainingOptions()))
        let problem = try experiment.problems(seed: 1)[0]
        let flow = FullBatchFlow(problem)
        let field = flow.makeVectorField()
        let theta = problem.start.flattened
        var dtheta = [Double](repeating: 0, count: theta.count)
        let evaluations = 500
        let rhs = best {
            theta.withUnsafeBufferPointer { y in dtheta.withUnsafeMutableBufferPointer { f in for _ in 0..<evaluations { field(0, y, f) } } }
        }
        let flopsPerEvaluation = 4.0 * 250 * 119 * 100  // forward and backward dgemm, 2 flops per multiply-add
        let rate = Double(evaluations) * flopsPerEvaluation / rhs
        print(String(format: "full-batch RHS, tanh 100-119-1, P=250: %.0f evaluations/s, %.1f GFLOP/s (%.0f%% of 1-thread dgemm)",
                     Double(evaluations) / rhs, rate / 1e9, 100 * rate / dgemmRate))

        var discrete = DiscreteTrainingOptions()
        discrete.epochs = 200
        let epochs = best { _ = try? problem.trainDiscrete(options: discrete) }
        let epochRate = Double(discrete.epochs) * flopsPerEvaluation / epochs
        print(String(format: "discrete protocol, B=10: %.0f epochs/s, %.1f GFLOP/s (%.0f%% of 1-thread dgemm)",
                     Double(discrete.epochs) / epochs, epochRate / 1e9, 100 * epochRate / dgemmRate))

        var continuous = ContinuousTrainingOptions()
        continuous.endTime = runTime
        continuous.firstObservation = min(continuous.firstObservation, runTime / 100)  // inside (0, t) for short runs
        continuous.relativeTolerance = 1e-8
        continuous.absoluteTolerance = 1e-12
        var started = DispatchTime.now().uptimeNanoseconds
        let curve = try flow.trainingCurve(options: continuous)
        let continuousSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        discrete.epochs = max(1, Int((runTime / discrete.learningRate).rounded()))  // at least one epoch for short runs
        started = DispatchTime.now().uptimeNanoseconds
        let reference = try problem.trainDiscrete(options: discrete)
        let discreteSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        print(String(format: "one run to t=%g: rk8pd (rtol 1e-8) %.1f s, %d evaluations, train loss %.3e; discrete (%d epochs, lr 0.1, B=10) %.1f s, train loss %.3e",
                     runTime, continuousSeconds, curve.statistics.functionEvaluations, curve.finalTrainLoss, discrete.epochs, discreteSeconds,
                     reference.finalTrainLoss))
    }

    /// Both 500 x 500 theory phase diagrams (the reference: about 3 ms per point for readout, 170 ms for hidden),
    /// counting every grid cell's classification; and the spectrum (edges) of one point, which the per-point
    /// reference computation builds.
    func benchPhaseDiagrams() throws {
        let grid = try PhaseGrid(cMin: 1e-3, cMax: 1e2, cPoints: 500, alphaPoints: 500)
        for layer in FlipLayer.allCases {
            var unstable = 0
            let seconds = best {
                guard let diagram = try? TheoryPhaseDiagram(layer: layer, grid: grid) else { return }
                unstable = 0
                for r in grid.ratios.indices { for a in grid.alphas.indices where diagram.isUnstable(row: r, alphaIndex: a) { unstable += 1 } }
            }
            print(String(format: "phase diagram 500 x 500, %@ flips: %.1f ms (%.3f us per point; %d unstable cells)", layer.rawValue,
                         seconds * 1e3, seconds * 1e6 / 250_000, unstable))
        }
        let spectra = 200
        let edges = best {
            for k in 0..<spectra { _ = try? HiddenFlipSpectrum(c: 0.1 + 0.5 * Double(k) / Double(spectra), alpha: 0.3) }
        }
        print(String(format: "limiting spectrum with edges (hidden flips): %.1f us per point", edges * 1e6 / Double(spectra)))
    }

    /// Node perturbation at loco.md's benchmark size: a 784-500-500-10 relu network, minibatch of 32, every layer
    /// perturbed (two forward passes and one rank-B dgemm per layer per draw), and one LOCO projector build
    /// (k-means over a 1000-direction buffer, principal subspace of the batch), on one BLAS thread.
    func benchNodePerturbation() throws {
        BLASThreads.set(1)
        let network = try MLP.random(widths: [784, 500, 500, 10], activations: [.relu, .relu], seed: 1)
        let stream = RandomStream(seed: 5)
        let x = Matrix(rows: 32, columns: 784, elements: stream.gaussians(32 * 784))
        let t = Matrix(rows: 32, columns: 10, elements: stream.gaussians(320))
        let estimator = try NodePerturbationEstimator(sigma: 0.005)
        let draws = 50
        let seconds = best { for k in 0..<draws { _ = try? estimator.estimate(network: network, inputs: x, targets: t, seed: 1, draw: UInt64(k)) } }
        let flops = 3.0 * 2 * 32 * (784.0 * 500 + 500 * 500 + 500 * 10)  // two forward passes and the rank-B update per layer
        print(String(format: "NP draws, 784-500-500-10, B=32: %.0f draws/s (%.1f GFLOP/s)", Double(draws) / seconds, Double(draws) * flops / seconds / 1e9))
        // A buffer of 1000 batch-mean directions around 10 cluster centres.
        let centres = (0..<10).map { _ in stream.gaussians(784) }
        var buffer = try DirectionBuffer(dimension: 784, capacity: 1000)
        for i in 0..<1000 { try buffer.push(zip(centres[i % 10], stream.gaussians(784, sigma: 0.3)).map(+)) }
        let directions = buffer.directions
        let configuration = LOCOConfiguration(clusters: 10, rank: 110)
        let build = best { _ = try? LOCO.projection(batch: x, directions: directions, configuration: configuration) }
        print(String(format: "LOCO projector build (784 inputs, 1000-direction buffer, K=10, B=32): %.1f ms", build * 1e3))
        // The np-variance study: statistics as B x B quadratic forms in the node factors, 2000 draws, 5 variants.
        let task = try ClusteredTask(setting: .s1, seed: 0)
        for hidden in [[Int](), [64]] {
            var c = ClusteredStudyConfiguration()
            c.hidden = hidden
            let study = best { _ = try? VarianceStudy.clustered(task: task, configuration: c, sigma: 0.01, draws: 2000, seed: 0, threads: 2) }
            print(String(format: "np-variance study, %@, R=2000, 5 variants per layer, 2 threads: %.0f ms",
                         ([100] + hidden + [10]).map(String.init).joined(separator: "-"), study * 1e3))
        }
    }

    /// Best wall-clock time in seconds of `repeats` runs.
    func best(_ body: () -> Void) -> Double {
        (0..<repeats).map { _ in
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }.min()!
    }
}
