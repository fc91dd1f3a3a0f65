import ArgumentParser
import CurlTheory
import Foundation
import NodePerturbation
import LearningDynamics
import NumericalKit
import Studies

/// `curldyn bench`: the machine's bound and the toolkit's workloads beside it (README "Performance").
///
/// One run reports the BLAS kernels that ran, the one-thread dgemm and dgemv rates (the bound), and the workloads
/// of the paper's figures: a Fig. 3a cell (linear 62-157-1, P = 250, B = 10, curl with half the inputs flipped), a
/// Fig. 3b/4 cell (the same size in full batch, B = 250, half the readout flipped), a Fig. 5 cell (tanh 100-10-1,
/// P = 1000, B = 10, one readout neuron flipped), the stability verdict at M = N = 2000 for gradient and curl
/// descent, and the cells per second of a quick figure sweep on one and on two worker threads. Each workload's
/// flops are those of the dense algorithm (what a numpy loop does: 4 N M P per epoch for the network products),
/// so the effective rate and its fraction of the bound show how close to the hardware a run gets, and exceed
/// it when the toolkit does less work than the dense algorithm. `--markdown` prints the table as the README's.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmark: the machine's BLAS bound and the figure workloads (ms per epoch, fraction of the bound).")

    static let matrixSizes = 1...4096
    static let repeatRange = 1...100
    static let runTimes = 1e-3...1e6
    static let epochRange = 1...1_000_000

    enum Clock: String, ExpressibleByArgument, CaseIterable {
        /// Wall-clock time: what a user waits.
        case wall
        /// CPU time of this process: on a machine shared with other work, the time the workload itself used.
        case cpu
    }

    @Option(help: "Matrix size for dgemm (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var gemmSize = 1000
    @Option(help: "Matrix size for dgemv, in cache at the default (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var gemvSize = 500
    @Option(help: "Epochs per timing of the training workloads (\(Self.epochRange.lowerBound)...\(Self.epochRange.upperBound)).") var epochs = 400
    @Option(help: "M = N of the stability verdict (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var stabilitySize = 2000
    @Option(help: "Cells of the quick fig3a sweep timed on one and on two threads (2...40).") var sweepCells = 8
    @Option(help: "Repetitions per measurement, the best is reported (\(Self.repeatRange.lowerBound)...\(Self.repeatRange.upperBound)).") var repeats = 3
    @Option(help: "wall (default) or cpu: CPU time of this process (all its threads), for single-threaded work on a loaded machine; the sweep lines are always wall-clock.") var clock: Clock = .wall
    @Flag(help: "Print the table in Markdown, as in the README.") var markdown = false
    @Flag(help: "Only the LOCO time-per-step table against depth 2...12: SGD, NP, and LOCO with its layers in sequence and all at once (wall clock).")
    var locoDepth = false
    @Option(help: "With --loco-depth: training steps per timing (1...10000; 200 includes one centroid refit).") var locoSteps = 200
    @Flag(help: "Also the older kernel timings: flow vector fields, whole runs, phase diagrams, node perturbation, eigensolvers.") var extended = false
    @Option(help: "With --extended: matrix size for the eigenvalue timings (\(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound)).") var eigenSize = 500
    @Option(help: "With --extended: horizon t of the whole-run timing at the paper's size (\(Self.runTimes.lowerBound)...\(Self.runTimes.upperBound)).") var runTime = 1e4

    func validate() throws {
        for (name, value) in [("--gemm-size", gemmSize), ("--gemv-size", gemvSize), ("--stability-size", stabilitySize), ("--eigen-size", eigenSize)] where !Self.matrixSizes.contains(value) {
            throw ValidationError("\(name) must lie in \(Self.matrixSizes.lowerBound)...\(Self.matrixSizes.upperBound) (three N x N matrices of doubles at most), got \(value)")
        }
        guard Self.epochRange.contains(epochs) else {
            throw ValidationError("--epochs must lie in \(Self.epochRange.lowerBound)...\(Self.epochRange.upperBound), got \(epochs)")
        }
        guard (1...10000).contains(locoSteps) else { throw ValidationError("--loco-steps must lie in 1...10000, got \(locoSteps)") }
        guard !locoDepth || clock == .wall else { throw ValidationError("--loco-depth times concurrent layers: use the wall clock") }
        guard (2...40).contains(sweepCells) else { throw ValidationError("--sweep-cells must lie in 2...40, got \(sweepCells)") }
        guard Self.repeatRange.contains(repeats) else {
            throw ValidationError("--repeats must lie in \(Self.repeatRange.lowerBound)...\(Self.repeatRange.upperBound), got \(repeats)")
        }
        guard Self.runTimes.contains(runTime) else {
            throw ValidationError("--run-time must be a finite time in \(Self.runTimes.lowerBound)...\(Self.runTimes.upperBound), got \(runTime)")
        }
        try requireMemory(numbers: memoryNumbers, for: "curldyn bench with these sizes")
    }

    /// One line of the table: a workload, its time per unit, and the dense algorithm's flops per unit.
    struct Row {
        var workload: String
        var seconds: Double
        var unit: String
        var flops: Double?
        var note = ""
    }

    func run() throws {
        let cpuModel = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        print("curldyn \(CurlDyn.version) bench: \(cpuModel), \(ProcessorBudget.available) CPUs, clock \(clock.rawValue), best of \(repeats)")
        print("BLAS kernels: \(BLASKernel.summary)")
        let cpuTier = BLASKernel.tier(cpuFlags: BLASKernel.cpuFlags())
        if let loaded = BLASKernel.tier(ofCore: BLASKernel.coreName), loaded < cpuTier, let better = cpuTier.preferredCore {
            print("note: this CPU supports the \(better) kernels; unset OPENBLAS_CORETYPE (or CURLDYN_BLAS_CORE_SELECTION) to use them")
        }
        let threads = BLASThreads.count
        BLASThreads.pinToOne()
        if locoDepth {
            print(try locoDepthTable())
            return
        }

        let (gemm, gemv) = bound()
        var rows = [Row(workload: "dgemm N=\(gemmSize), 1 thread (bound)", seconds: gemm, unit: "call", flops: 2 * pow(Double(gemmSize), 3)),
                    Row(workload: "dgemv N=\(gemvSize), 1 thread (bound)", seconds: gemv, unit: "call", flops: 2 * pow(Double(gemvSize), 2))]
        let gemmRate = rows[0].flops! / gemm, gemvRate = rows[1].flops! / gemv
        rows += try trainingWorkloads()
        rows += try stabilityWorkloads()
        rows += try sweepWorkloads()
        print(table(rows, gemmRate: gemmRate, gemvRate: gemvRate))

        if extended {
            BLASThreads.set(threads)
            try extendedBench(threads: threads)
        }
    }

    // MARK: - Measurements

    /// Seconds of `body` on the chosen clock.
    func time(_ body: () throws -> Void) rethrows -> Double {
        let now = { () -> Double in
            switch clock {
            case .wall: return Double(DispatchTime.now().uptimeNanoseconds) / 1e9
            case .cpu:
                var t = timespec()
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
                return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
            }
        }
        let start = now()
        try body()
        return now() - start
    }

    /// Best of `repeats` timings of `body`, in seconds.
    func bestTime(_ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try time(body)) }
        return best
    }

    /// One-thread dgemm (N = gemmSize) and dgemv (N = gemvSize) times per call.
    func bound() -> (gemm: Double, gemv: Double) {
        let rng = RandomStream(seed: 12345)
        let n = gemmSize
        let a = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n)), b = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        var c = Matrix(rows: n, columns: n)
        let gemm = bestTime { Matrix.gemm(a, b, into: &c) }
        let m = gemvSize
        let v = Matrix(rows: m, columns: m, elements: rng.gaussians(m * m))
        let x = rng.gaussians(m)
        var y = [Double](repeating: 0, count: m)
        let calls = max(1, 20_000_000 / (m * m))
        let gemv = bestTime {
            v.elements.withUnsafeBufferPointer { a in x.withUnsafeBufferPointer { x in y.withUnsafeMutableBufferPointer { y in
                for _ in 0..<calls { BLAS.gemv(rows: m, columns: m, alpha: 1, a.baseAddress!, x.baseAddress!, beta: 0, y.baseAddress!) }
            } } }
        } / Double(calls)
        return (gemm, gemv)
    }

    /// Seconds per epoch of one run of `experiment`'s rule `rule` (set-up excluded), `epochs` epochs.
    func secondsPerEpoch(_ experiment: Experiment, rule: Int = 0) throws -> Double {
        let problem = try experiment.problems(seed: 1)[rule]
        return try bestTime { _ = try experiment.run(problem) } / Double(epochs)
    }

    /// The training workloads of the issue's table, each as its figure's cell sets it up.
    func trainingWorkloads() throws -> [Row] {
        // Fig. 3a cell (HiddenFlipErrorMap): c = 0.395 gives M = 62, N = 157 at M + N = 220; half the inputs flipped.
        let linear = try NetworkShape(inputs: 62, hidden: 157)
        let fig3a = Experiment(shape: linear, activation: .reference(.linear), teacherInit: .uniform(scale: 1), studentStart: .random(.uniform(scale: 1)),
                               trainCount: 250, testCount: 100, normConstraint: true,
                               rules: [.curl(flippedInputs: .fraction(0.5), flippedHidden: .count(0))],
                               integrator: .discrete(DiscreteTrainingOptions(learningRate: 0.1, batchSize: 10, epochs: epochs, logPoints: 100)))
        // Fig. 3b/4 cell (ReadoutFlipMaps): full batch, start at the teacher, half the readout flipped.
        let fig4 = Experiment(shape: linear, activation: .reference(.linear), teacherInit: .uniform(scale: 1), studentStart: .teacherShifted(w1: 1e-15, w2: 0),
                              trainCount: 250, testCount: 100, normConstraint: true,
                              rules: [.curl(flippedInputs: .count(0), flippedHidden: .fraction(0.5))],
                              integrator: .discrete(DiscreteTrainingOptions(learningRate: 0.1, batchSize: 250, epochs: epochs, logPoints: 200)))
        // Fig. 5 cell (ThresholdSetup): tanh 100-10-1 at the quick P = 1000, curl with one readout neuron flipped.
        var fig5 = ThresholdSetup()
        fig5.trainCount = 1000
        fig5.epochs = epochs
        let (tanh, _) = try fig5.experiment(stopEarly: false)
        let denseFlops = { (m: Int, n: Int, p: Int) in 4.0 * Double(m * n * p) }  // forward W1 X and backward dW1, per epoch
        return [
            Row(workload: "linear 62-157-1, P=250, B=10, curl (Fig. 3a cell)", seconds: try secondsPerEpoch(fig3a), unit: "epoch", flops: denseFlops(62, 157, 250)),
            Row(workload: "linear 62-157-1, P=250, B=250, curl (Fig. 3b/4 cell)", seconds: try secondsPerEpoch(fig4), unit: "epoch", flops: denseFlops(62, 157, 250)),
            Row(workload: "tanh 100-10-1, P=1000, B=10, curl (Fig. 5 cell)", seconds: try secondsPerEpoch(tanh, rule: 1), unit: "epoch", flops: denseFlops(100, 10, 1000)),
        ]
    }

    /// The stability verdict at M = N = stabilitySize at the teacher, for gradient descent and for curl descent with
    /// half the readout flipped: K by two dsyrk (N M^2 flops), then Cholesky (M^3 / 3); and, for comparison, the
    /// spectrum eig(K) that `--spectrum` adds.
    func stabilityWorkloads() throws -> [Row] {
        let n = stabilitySize
        let shape = try NetworkShape(inputs: n, hidden: n)
        let teacher = try StudentTeacherPair(shape: shape, teacher: .uniform(scale: 1), student: .nearTeacher(perturbation: 0), seed: 1).teacher
        let rules: [LearningRule] = [.gradientDescent, .curl(flippedInputs: .none, flippedHidden: .fraction(0.5))]
        var verdicts: [String] = []
        let verdict = try bestTime {
            verdicts = try rules.map { try Stability.analyse(LinearFlow(teacher: teacher, rule: $0), at: teacher, spectrum: false, fullJacobian: false).verdict.rawValue }
        }
        let spectrum = try time {
            for rule in rules { _ = try Stability.analyse(LinearFlow(teacher: teacher, rule: rule), at: teacher, spectrum: true, fullJacobian: false) }
        }
        let cube = pow(Double(n), 3)
        return [
            Row(workload: "stability verdict M=N=\(n), gd + curl (Cholesky)", seconds: verdict, unit: "2 rules", flops: 2 * (cube + cube / 3),
                note: verdicts.joined(separator: ", ")),
            Row(workload: "stability M=N=\(n), gd + curl, --spectrum (dsyevd)", seconds: spectrum, unit: "2 rules", flops: 2 * (cube + 4 * cube / 3)),
        ]
    }

    /// Cells per second of a quick fig3a sweep (`sweepCells` cells of one row of the grid, equal cost) on one and
    /// on two worker threads, each worker on one BLAS thread as in `curldyn figure`.
    func sweepWorkloads() throws -> [Row] {
        let recipe = HiddenFlipErrorMap.fig3a
        let all = recipe.cells(.quick)
        let c = all.map { $0["c"] }.min { abs($0 - 0.4) < abs($1 - 0.4) }!
        let cells = Array(all.filter { $0["c"] == c }.prefix(sweepCells))
        var rows: [Row] = []
        var rates: [Double] = []
        for threads in [1, 2] {
            let sweep = Sweep(cells: cells, seed: 1, threads: threads)
            // Wall-clock whatever --clock says: cells per second is what more threads are for.
            // Voluntary context switches count the waits (locks, I/O); involuntary ones the other processes' share.
            var (wall, cpu, waits, preempted) = (Double.infinity, 0.0, 0, 0)
            for _ in 0..<repeats {
                let (start, before, switches) = (DispatchTime.now().uptimeNanoseconds, processCPUTime(), contextSwitches())
                _ = try sweep.run { cell, seed in try recipe.compute(cell, seed: seed, scale: .quick) }
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                if seconds < wall {
                    let after = contextSwitches()
                    (wall, cpu, waits, preempted) = (seconds, processCPUTime() - before, after.voluntary - switches.voluntary, after.involuntary - switches.involuntary)
                }
            }
            rates.append(Double(cells.count) / wall)
            rows.append(Row(workload: "fig3a quick sweep, \(cells.count) cells, \(threads) thread\(threads == 1 ? "" : "s")", seconds: wall / Double(cells.count), unit: "cell",
                            flops: nil, note: String(format: "%.1f cells/s; CPU %.0f ms/cell, %.0f%% of wall; %d waits, %d preemptions",
                                                                     Double(cells.count) / wall, 1e3 * cpu / Double(cells.count), 100 * cpu / wall, waits, preempted)
                                + (threads == 2 ? String(format: ", %.2fx one thread", rates[1] / rates[0]) : "")))
        }
        return rows
    }

    func contextSwitches() -> (voluntary: Int, involuntary: Int) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return (usage.ru_nvcsw, usage.ru_nivcsw)
    }

    func processCPUTime() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// The rows as an aligned text table or as Markdown.
    func table(_ rows: [Row], gemmRate: Double, gemvRate: Double) -> String {
        let header = ["workload", "time", "dense flops", "GFLOP/s", "% dgemm", "% dgemv", "note"]
        let cells = rows.map { row -> [String] in
            let time = row.seconds >= 1 ? String(format: "%.2f s/%@", row.seconds, row.unit) : row.seconds >= 1e-3
                ? String(format: "%.3g ms/%@", row.seconds * 1e3, row.unit) : String(format: "%.3g us/%@", row.seconds * 1e6, row.unit)
            guard let flops = row.flops else { return [row.workload, time, "", "", "", "", row.note] }
            let rate = flops / row.seconds
            return [row.workload, time, String(format: "%.3g", flops), String(format: "%.1f", rate / 1e9),
                    String(format: "%.0f%%", 100 * rate / gemmRate), String(format: "%.0f%%", 100 * rate / gemvRate), row.note]
        }
        if markdown {
            return ([header, header.map { _ in "---" }] + cells).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
        }
        let widths = header.indices.map { k in ([header] + cells).map { $0[k].count }.max()! }
        return ([header] + cells).map { line in
            line.enumerated().map { k, text in k == 0 || k == line.count - 1 ? text.padding(toLength: widths[k], withPad: " ", startingAt: 0)
                : String(repeating: " ", count: widths[k] - text.count) + text }.joined(separator: "  ")
        }.joined(separator: "\n")
    }

    // MARK: - --extended: the older kernel timings

    func extendedBench(threads: Int) throws {
        print("\nextended kernel timings")
        let rng = RandomStream(seed: 12345)
        let n = gemmSize
        let a = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        let b = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        var c = Matrix(rows: n, columns: n)
        var oneThreadGemmRate = 0.0
        for t in Set([threads, 1]).sorted(by: >) {
            BLASThreads.set(t)
            let gemm = bestTime { Matrix.gemm(a, b, into: &c) }
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
        let rhs = bestTime {
            theta.withUnsafeBufferPointer { y in
                dtheta.withUnsafeMutableBufferPointer { f in for _ in 0..<evaluations { field(0, y, f) } }
            }
        }
        let flops = Double(3 * shape.inputs * shape.hidden * 2)
        print(String(format: "linear flow RHS M=20 N=199: %.3g evaluations/s (%.2f GFLOP/s)", Double(evaluations) / rhs,
                     Double(evaluations) * flops / rhs / 1e9))

        var options = LearningSolveOptions()
        options.endTime = 1000
        let integrate = bestTime { _ = try? flow.learningCurve(from: pair.student, options: options) }
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
            let tg = bestTime { _ = try? Eigen.eigenvalues(general, solver: solver) }
            let ts = bestTime { _ = try? Eigen.symmetricEigenvalues(symmetric, solver: solver) }
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
        let rhs = bestTime {
            theta.withUnsafeBufferPointer { y in dtheta.withUnsafeMutableBufferPointer { f in for _ in 0..<evaluations { field(0, y, f) } } }
        }
        let flopsPerEvaluation = 4.0 * 250 * 119 * 100  // forward and backward dgemm, 2 flops per multiply-add
        let rate = Double(evaluations) * flopsPerEvaluation / rhs
        print(String(format: "full-batch RHS, tanh 100-119-1, P=250: %.0f evaluations/s, %.1f GFLOP/s (%.0f%% of 1-thread dgemm)",
                     Double(evaluations) / rhs, rate / 1e9, 100 * rate / dgemmRate))

        var discrete = DiscreteTrainingOptions()
        discrete.epochs = 200
        let epochs = bestTime { _ = try? problem.trainDiscrete(options: discrete) }
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
            let seconds = bestTime {
                guard let diagram = try? TheoryPhaseDiagram(layer: layer, grid: grid) else { return }
                unstable = 0
                for r in grid.ratios.indices { for a in grid.alphas.indices where diagram.isUnstable(row: r, alphaIndex: a) { unstable += 1 } }
            }
            print(String(format: "phase diagram 500 x 500, %@ flips: %.1f ms (%.3f us per point; %d unstable cells)", layer.rawValue,
                         seconds * 1e3, seconds * 1e6 / 250_000, unstable))
        }
        let spectra = 200
        let edges = bestTime {
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
        let seconds = bestTime { for k in 0..<draws { _ = try? estimator.estimate(network: network, inputs: x, targets: t, seed: 1, draw: UInt64(k)) } }
        let flops = 3.0 * 2 * 32 * (784.0 * 500 + 500 * 500 + 500 * 10)  // two forward passes and the rank-B update per layer
        print(String(format: "NP draws, 784-500-500-10, B=32: %.0f draws/s (%.1f GFLOP/s)", Double(draws) / seconds, Double(draws) * flops / seconds / 1e9))
        // A buffer of 1000 batch-mean directions around 10 cluster centres.
        let centres = (0..<10).map { _ in stream.gaussians(784) }
        var buffer = try DirectionBuffer(dimension: 784, capacity: 1000)
        for i in 0..<1000 { try buffer.push(zip(centres[i % 10], stream.gaussians(784, sigma: 0.3)).map(+)) }
        let directions = buffer.directions
        let configuration = LOCOConfiguration(clusters: 10, rank: 110)
        let build = bestTime { _ = try? LOCO.projection(batch: x, directions: directions, configuration: configuration) }
        print(String(format: "LOCO projector build (784 inputs, 1000-direction buffer, K=10, B=32): %.1f ms", build * 1e3))
        // The np-variance study: statistics as B x B quadratic forms in the node factors, 2000 draws, 5 variants.
        let task = try ClusteredTask(setting: .s1, seed: 0)
        for hidden in [[Int](), [64]] {
            var c = ClusteredStudyConfiguration()
            c.hidden = hidden
            let study = bestTime { _ = try? VarianceStudy.clustered(task: task, configuration: c, sigma: 0.01, draws: 2000, seed: 0, threads: 2) }
            print(String(format: "np-variance study, %@, R=2000, 5 variants per layer, 2 threads: %.0f ms",
                         ([100] + hidden + [10]).map(String.init).joined(separator: "-"), study * 1e3))
        }
    }
}
