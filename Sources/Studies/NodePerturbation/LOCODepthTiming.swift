import Dispatch
import NodePerturbation
import NumericalKit

/// Time per training step against depth (loco.md 4.3's "O(1) parallel time"), for `bench --loco-depth` and the
/// `loco_depth_time` figure: tanh students 100 -> 64 x (depth - 1) -> 10 on S1 (B = 32), exact SGD (forward pass and
/// backpropagation's sequential backward pass), plain NP (clean and perturbed passes, one rank-B product per layer),
/// and LOCO with the layers' projected updates one after the other and all at once (`concurrentPerform` over the
/// layers on the available cores). Wall clock: the layers-at-once variant runs on several threads.
///
/// Beside each row, the machine's concurrency bound: the speed-up of `cores` independent one-thread dgemms run at once
/// over one after the other (about `cores` on idle cores, about 1 when other jobs hold them), measured just before
/// and just after the row, the larger kept (load that comes and goes within a row can still slip between them).
/// LOCO's projector part (its time above NP's) can speed up at most min(depth, that bound).
public struct LOCODepthTiming: Sendable {
    /// Training steps per timing (200 include one k-means refit per layer).
    public var steps: Int
    /// Timings per measurement; the best is kept.
    public var repeats: Int
    /// Threads for the layers-at-once variant and the concurrency bound.
    public var cores: Int

    public init(steps: Int = 200, repeats: Int = 3, cores: Int = ProcessorBudget.available) throws {
        guard steps >= 1, repeats >= 1, cores >= 1 else {
            throw ParameterError("a timing needs at least one step, one repeat and one core, got \(steps), \(repeats), \(cores)")
        }
        self.steps = steps
        self.repeats = repeats
        self.cores = cores
    }

    /// Seconds per step of each method at one depth, and the machine's bound measured around it.
    public struct Row: Sendable, Equatable {
        public var depth: Int
        public var sgd, np, locoInSequence, locoAtOnce: Double
        /// The machine's concurrency bound (a speed-up factor), the larger of its values before and after the row.
        public var machine: Double

        /// LOCO's time above NP's: the per-layer projector work that can run in parallel, in sequence and at once.
        public var projectorPart: (inSequence: Double, atOnce: Double) { (locoInSequence - np, locoAtOnce - np) }
        /// The projector part's speed-up from running the layers at once.
        public var speedUp: Double { projectorPart.inSequence / projectorPart.atOnce }
        /// The most that speed-up can be: min(depth, machine).
        public var bound: Double { min(Double(depth), machine) }
    }

    /// The depths a row can time (a deeper student's row would take minutes and say nothing new).
    public static let depths = 2...64

    /// The row of one depth. The first call of a process also starts the worker threads; `warmUp()` does that first.
    public func row(depth: Int) throws -> Row {
        guard Self.depths.contains(depth) else { throw ParameterError("depth must lie in \(Self.depths), got \(depth)") }
        let task = try ClusteredTask(setting: .s1, seed: 0)
        func perStep(_ method: LearningMethod, layerThreads: Int = 1) throws -> Double {
            var options = LOCOLearningOptions()
            options.layerThreads = layerThreads
            var trainer = try LOCOTrainer(task: task, student: .deep(depth: depth, initialScale: 1), method: method, learningRate: 0.005,
                                          options: options, seed: 0)
            var step = 0
            for _ in 0..<5 { step += 1; try trainer.step(step) }
            return try best { for _ in 0..<steps { step += 1; try trainer.step(step) } } / Double(steps)
        }
        let before = concurrencyBound()
        let (sgd, np, inSequence, atOnce) = (try perStep(.sgd), try perStep(.np), try perStep(.loco), try perStep(.loco, layerThreads: depth))
        return Row(depth: depth, sgd: sgd, np: np, locoInSequence: inSequence, locoAtOnce: atOnce, machine: max(before, concurrencyBound()))
    }

    /// Starts the threads the concurrent parts use, so that the first row's bound does not time their start-up.
    public func warmUp() { _ = concurrencyBound() }

    /// Size of the dgemms that measure the machine's concurrency bound.
    public static let boundGemmSize = 256

    /// `cores` one-thread dgemms (8 products of N = 256 each) one after the other against all at once, best of `repeats`.
    public func concurrencyBound() -> Double {
        let n = Self.boundGemmSize
        let a = Matrix(rows: n, columns: n, elements: RandomStream(seed: 12345).gaussians(n * n))
        let work: @Sendable () -> Void = { var c = Matrix(rows: n, columns: n); for _ in 0..<8 { Matrix.gemm(a, a, into: &c) } }
        let cores = self.cores
        let inTurn = best { for _ in 0..<cores { work() } }
        let atOnce = best { DispatchQueue.concurrentPerform(iterations: cores) { _ in work() } }
        return inTurn / atOnce
    }

    /// The best wall-clock seconds of `repeats` runs of `body` (each timed by the figures' `secondsPerUnit`).
    func best(_ body: () throws -> Void) rethrows -> Double {
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, try secondsPerUnit(1, body)) }
        return best
    }
}
