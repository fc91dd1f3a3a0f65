import Foundation

/// The CPUs this process may use: those of its affinity mask (`taskset`, cgroups, a SLURM allocation), at most
/// `SLURM_CPUS_PER_TASK` when that is set. `ProcessInfo.activeProcessorCount` counts the machine's, so a sweep
/// sized by it would oversubscribe an allocation.
public enum ProcessorBudget {
    public static var available: Int {
        var count = affinityCount() ?? ProcessInfo.processInfo.activeProcessorCount
        if let slurm = ProcessInfo.processInfo.environment["SLURM_CPUS_PER_TASK"].flatMap({ Int($0) }), slurm >= 1 {
            count = min(count, slurm)
        }
        return max(1, count)
    }

    /// CPUs in `Cpus_allowed_list` of /proc/self/status ("0-3,8,10-11").
    static func affinityCount() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { return nil }
        return cpuCount(list: line.dropFirst("Cpus_allowed_list:".count).trimmingCharacters(in: .whitespaces))
    }

    /// The number of CPUs in a Linux CPU list ("0-3,8" -> 5); nil if it cannot be read.
    public static func cpuCount(list: String) -> Int? {
        var count = 0
        for part in list.split(separator: ",") {
            let bounds = part.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard bounds.allSatisfy({ $0 != nil }) else { return nil }
            switch bounds.count {
            case 1: count += 1
            case 2 where bounds[1]! >= bounds[0]!: count += bounds[1]! - bounds[0]! + 1
            default: return nil
            }
        }
        return count > 0 ? count : nil
    }
}
