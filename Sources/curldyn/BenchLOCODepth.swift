import Foundation
import Studies

extension Bench {
    /// Depths of the LOCO time-per-step table.
    static let locoDepths = [2, 4, 6, 8, 10, 12]

    /// The `LOCODepthTiming` table (issue 14, loco.md 4.3's "O(1) parallel time"), one row per depth, with the
    /// machine's concurrency bound measured around each row.
    func locoDepthTable() throws -> String {
        let timing = try LOCODepthTiming(steps: locoSteps, repeats: repeats)
        timing.warmUp()
        var lines = ["LOCO time per step against depth (ms per step, \(clock.rawValue) clock, best of \(repeats), \(locoSteps) steps per timing, \(timing.cores) CPUs, BLAS on 1 thread)",
                     "machine: the speed-up of \(timing.cores) one-thread dgemms (N = \(LOCODepthTiming.boundGemmSize)) at once over one after the other, before and after each row (the larger);",
                     "bound: the most the projector part can speed up, min(depth, machine)",
                     "| depth | SGD (backprop) | NP | LOCO, layers in sequence | LOCO, layers at once | projector part, sequence -> at once | speed-up of the projector part | machine | bound |",
                     "|---|---|---|---|---|---|---|---|---|"]
        for depth in Self.locoDepths {
            let r = try timing.row(depth: depth)
            let (a, b) = r.projectorPart
            lines.append(String(format: "| %d | %.3f | %.3f | %.3f | %.3f | %.3f -> %.3f | %.2fx | %.2fx | %.2fx |", depth, 1e3 * r.sgd, 1e3 * r.np,
                                1e3 * r.locoInSequence, 1e3 * r.locoAtOnce, 1e3 * a, 1e3 * b, r.speedUp, r.machine, r.bound))
        }
        return lines.joined(separator: "\n")
    }
}
