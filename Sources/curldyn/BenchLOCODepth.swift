import Foundation
import NodePerturbation
import NumericalKit
import Studies

extension Bench {
    /// Depths of the LOCO time-per-step table.
    static let locoDepths = [2, 4, 6, 8, 10, 12]

    /// Time per training step against depth (issue 14, loco.md 4.3's "O(1) parallel time"): tanh students
    /// 100 -> 64 x (depth - 1) -> 10 on S1 (B = 32), exact SGD (forward pass and backpropagation's sequential backward
    /// pass), plain NP (clean and perturbed passes, one rank-B product per layer), and LOCO with the layers' projected
    /// updates one after the other and all at once (`concurrentPerform` over the layers on the available cores). Each
    /// timing runs `locoSteps` steps of one trainer (200 includes one k-means refit per layer) after 5 untimed ones;
    /// best of `repeats`. "projector part" is LOCO's time above NP's: the per-layer work that can run in parallel;
    /// "machine" is the machine's concurrency bound measured just before the row (other jobs included), and "bound"
    /// the most the projector part's speed-up can be, min(depth, machine).
    func locoDepthTable() throws -> String {
        let task = try ClusteredTask(setting: .s1, seed: 0)
        func perStep(depth: Int, _ method: LearningMethod, layerThreads: Int = 1) throws -> Double {
            var options = LOCOLearningOptions()
            options.layerThreads = layerThreads
            var trainer = try LOCOTrainer(task: task, student: .deep(depth: depth, initialScale: 1), method: method, learningRate: 0.005,
                                          options: options, seed: 0)
            var step = 0
            for _ in 0..<5 { step += 1; try trainer.step(step) }
            return try bestTime { for _ in 0..<locoSteps { step += 1; try trainer.step(step) } } / Double(locoSteps)
        }
        let cores = ProcessorBudget.available
        var lines = ["LOCO time per step against depth (ms per step, \(clock.rawValue) clock, best of \(repeats), \(locoSteps) steps per timing, \(cores) CPUs, BLAS on 1 thread)",
                     "machine: the speed-up of \(cores) one-thread dgemms (N = \(Self.concurrencyGemmSize)) at once over one after the other, measured before each row;",
                     "bound: the most the projector part can speed up, min(depth, machine)",
                     "| depth | SGD (backprop) | NP | LOCO, layers in sequence | LOCO, layers at once | projector part, sequence -> at once | speed-up of the projector part | machine | bound |",
                     "|---|---|---|---|---|---|---|---|---|"]
        _ = concurrencyBound(cores: cores)  // warm-up: the first concurrent call also starts the worker threads
        for depth in Self.locoDepths {
            let machine = concurrencyBound(cores: cores)
            let sgd = try perStep(depth: depth, .sgd)
            let np = try perStep(depth: depth, .np)
            let sequential = try perStep(depth: depth, .loco)
            let parallel = try perStep(depth: depth, .loco, layerThreads: depth)
            let (a, b) = (sequential - np, parallel - np)
            lines.append(String(format: "| %d | %.3f | %.3f | %.3f | %.3f | %.3f -> %.3f | %.2fx | %.2fx | %.2fx |", depth, 1e3 * sgd, 1e3 * np, 1e3 * sequential,
                                1e3 * parallel, 1e3 * a, 1e3 * b, a / b, machine, min(Double(depth), machine)))
        }
        return lines.joined(separator: "\n")
    }

    /// Size of the dgemms that measure the machine's concurrency bound.
    static let concurrencyGemmSize = 256

    /// The speed-up that running independent work on `cores` threads gets on this machine now (other jobs
    /// included): `cores` one-thread dgemms at once against one after the other, best of `repeats` each. The projector
    /// part of a depth-L step can speed up at most min(L, this).
    func concurrencyBound(cores: Int) -> Double {
        let n = Self.concurrencyGemmSize
        let rng = RandomStream(seed: 12345)
        let a = Matrix(rows: n, columns: n, elements: rng.gaussians(n * n))
        let work: @Sendable () -> Void = { var c = Matrix(rows: n, columns: n); for _ in 0..<8 { Matrix.gemm(a, a, into: &c) } }
        let sequential = bestTime { for _ in 0..<cores { work() } }
        let concurrent = bestTime { DispatchQueue.concurrentPerform(iterations: cores) { _ in work() } }
        return sequential / concurrent
    }
}
