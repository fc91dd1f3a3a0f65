import NodePerturbation

/// `np-curl`: a linear student displaced from the solution manifold learns by the exact gradient and by node
/// perturbation with flipped neurons; |u| per method against the linear theory |u_0 (I - lr K)^t| and the
/// per-step growth factors, measured and predicted.
public struct FlippedNPStudy: Sendable {
    public var problem: FlippedNPProblem
    public var methods: [FlippedNPMethod]
    public var replicates: Int
    public var threads: Int
    /// The figure's subtitle.
    public var caption: String

    public init(problem: FlippedNPProblem, methods: [FlippedNPMethod], replicates: Int, threads: Int, caption: String) {
        self.problem = problem
        self.methods = methods
        self.replicates = replicates
        self.threads = threads
        self.caption = caption
    }

    public struct MethodSummary: Encodable, Sendable {
        public let method: String
        public let measuredGrowthFactor: Double?
        public let theoryGrowthFactor: Double?
        public let fitWindow: [Int]?
        public let initialError: Double
        public let finalError: Double
        public let finalStep: Int
        public let diverged: [Bool]
        public let secondsPerStep: Double
    }

    public struct Summary: Encodable, Sendable {
        public let lambdaMin, lambdaMax: Double
        public let stabilityRank, inputs: Int
        public let npUpdateRanks, gradientUpdateRanks, rankBounds: [Int]
        public let predictedGrowthFactor: Double
        public let methods: [MethodSummary]
    }

    public func run() throws -> StudyReport {
        let result = try problem.solve(methods: methods, replicates: replicates, threads: threads)
        let start = result.start
        let curves = methods.map { result.meanCurve($0)! }
        let longest = curves.max { $0.steps.count < $1.steps.count }!.steps
        let theory = result.predictedCurve(steps: longest)
        let summaries = zip(methods, curves).enumerated().map { m, pair in
            let runs = result.runs[m]
            let window = result.fitWindow(pair.0)
            return MethodSummary(method: pair.0.rawValue, measuredGrowthFactor: result.measuredGrowthFactor(pair.0),
                                 theoryGrowthFactor: result.theoryGrowthFactor(pair.0), fitWindow: window.map { [$0.lowerBound, $0.upperBound] },
                                 initialError: pair.1.errorNorms[0], finalError: pair.1.errorNorms.last!, finalStep: pair.1.steps.last!,
                                 diverged: runs.map(\.diverged),
                                 secondsPerStep: runs.reduce(0) { $0 + $1.seconds / Double(max(1, $1.curve.steps.last!)) } / Double(runs.count))
        }
        let (inputs, hidden, k1, k2, lr) = (problem.inputs, problem.hidden, problem.flippedInputs, problem.flippedHidden, problem.learningRate)
        // One data set per method (a diverged run's set stops at its last finite |u|), then the linear theory.
        let sets: [(title: String, rows: [[Double]])] = zip(methods, curves).map { method, curve in
            ("\(method.rawValue) |u| = |w2 W1 - w*^T|", zip(curve.steps, curve.errorNorms).filter { $0.1.isFinite }.map { [Double($0), $1] })
        } + [("linear theory |u_0 (I - lr K)^t|", zip(theory.steps, theory.errorNorms).filter { $0.1.isFinite }.map { [Double($0), $1] })]
        var lines = [String(format: "K = |w2|^2 D1 + W1^T D2 W1 (M = %d, N = %d, %d input and %d hidden neurons flipped): lambda_min %.4g, lambda_max %.4g, rank %d of %d",
                            inputs, hidden, k1, k2, start.lambdaMin, start.lambdaMax, start.stabilityRank, inputs),
                     "update ranks at step 1 (W1, w2): np \(result.ranks.nodePerturbation) (min(B, n_l, n_l-1) = \(result.ranks.bounds)), exact gradient \(result.ranks.gradient)",
                     String(format: "predicted per-step factor 1 - lr lambda_min = %.6f", result.predictedGrowthFactor)]
        if abs(1 - lr * start.lambdaMax) > result.predictedGrowthFactor {
            lines.append(String(format: "note: |1 - lr lambda_max| = %.4g exceeds it: lr is too large for the top mode", abs(1 - lr * start.lambdaMax)))
        }
        let format = { (x: Double?) in x.map { String(format: "%.6f", $0) } ?? "-" }
        for s in summaries {
            let window = s.fitWindow.map { "steps \($0[0])-\($0[1])" } ?? "-"
            let status = s.diverged.contains(true) ? "diverged \(s.diverged.filter { $0 }.count)/\(s.diverged.count)" : "completed"
            lines.append("  \(s.method): measured \(format(s.measuredGrowthFactor)) (linear theory \(format(s.theoryGrowthFactor))) over \(window); "
                         + String(format: "|u| %.3g -> %.3g at step %d", s.initialError, s.finalError, s.finalStep)
                         + " [\(status)] " + String(format: "%.1f us/step", s.secondsPerStep * 1e6))
        }
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: ["step", "u"], sets: sets)],
            figure: FigurePlan(script: "np_curl.gp", arguments: [.table(""), .text("\(start.bottomModeAmplitude)"), .text("\(result.predictedGrowthFactor)"), .text(caption)],
                               titles: methods.map(\.rawValue)),
            summary: lines,
            results: Summary(lambdaMin: start.lambdaMin, lambdaMax: start.lambdaMax, stabilityRank: start.stabilityRank, inputs: inputs,
                             npUpdateRanks: result.ranks.nodePerturbation, gradientUpdateRanks: result.ranks.gradient,
                             rankBounds: result.ranks.bounds, predictedGrowthFactor: result.predictedGrowthFactor, methods: summaries),
            warnings: summaries.filter { $0.diverged.contains(true) }.map { "method \($0.method): \($0.diverged.filter { $0 }.count) of \($0.diverged.count) runs diverged; the data stop there" },
            notes: ["linear M -> N -> 1 student displaced from the solution manifold; W_l <- W_l - lr G_l D_l, x ~ N(0, I_M)",
                    "K = |w2|^2 D1 + W1^T D2 W1 at the manifold point: lambda_min \(start.lambdaMin) lambda_max \(start.lambdaMax) rank \(start.stabilityRank)",
                    "predicted per-step factor 1 - lr lambda_min = \(result.predictedGrowthFactor); |u| is the geometric mean over replicates",
                    "runs: " + summaries.map { "\($0.method) \($0.diverged.filter { $0 }.count)/\($0.diverged.count) diverged (|u| > 1e4 |w*|; the data stop there)" }
                        .joined(separator: ", ")])
    }
}
