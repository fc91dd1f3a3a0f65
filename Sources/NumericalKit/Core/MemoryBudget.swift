import Foundation

/// The memory a computation may ask for, checked against an estimate before anything large is allocated, so
/// that an impossible size is refused with a message instead of the process dying in the allocator.
///
/// The limit is `CURLDYN_MAX_MEMORY` (bytes, or with a suffix K, M, G, T: `16G`) when set, else the memory the
/// kernel reports as available (`MemAvailable` in /proc/meminfo), else the physical memory. Estimates are
/// doubles, so products of huge sizes cannot overflow.
public enum MemoryBudget {
    public struct Exceeded: Error, CustomStringConvertible {
        public let description: String
    }

    /// The limit in bytes and where it comes from.
    public static var limit: (bytes: Double, source: String) {
        if let text = ProcessInfo.processInfo.environment["CURLDYN_MAX_MEMORY"], let bytes = parse(text) {
            return (bytes, "CURLDYN_MAX_MEMORY")
        }
        if let available = availableMemory() { return (available, "the available memory; set CURLDYN_MAX_MEMORY to change it") }
        return (Double(ProcessInfo.processInfo.physicalMemory), "the physical memory; set CURLDYN_MAX_MEMORY to change it")
    }

    /// Throws when `bytes` (an estimate of what `what` needs) exceeds the limit; the message names both.
    public static func require(_ bytes: Double, for what: String) throws {
        let (limit, source) = limit
        guard bytes.isFinite, bytes <= limit else {
            throw Exceeded(description: "\(what) needs about \(format(bytes)) of memory, more than the limit of \(format(limit)) (\(source))")
        }
    }

    /// `16G` -> 16 * 2^30; a plain number is bytes. Nil for anything else.
    static func parse(_ text: String) -> Double? {
        let units: [Character: Double] = ["K": 1024, "M": 1024 * 1024, "G": 1024 * 1024 * 1024, "T": 1024 * 1024 * 1024 * 1024]
        var digits = text.trimmingCharacters(in: .whitespaces).uppercased()
        if digits.hasSuffix("B") { digits.removeLast() }
        var scale = 1.0
        if let last = digits.last, let unit = units[last] {
            scale = unit
            digits.removeLast()
        }
        guard let value = Double(digits), value.isFinite, value > 0 else { return nil }
        return value * scale
    }

    static func availableMemory() -> Double? {
        guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("MemAvailable:") {
            let fields = line.split(separator: " ")
            if fields.count >= 2, let kib = Double(fields[1]) { return kib * 1024 }
        }
        return nil
    }

    /// `3.2 GiB`, `512 MiB`, `4.0e+03 TiB`.
    public static func format(_ bytes: Double) -> String {
        guard bytes.isFinite else { return "an unbounded amount" }
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB"]
        var value = bytes
        var k = 0
        while value >= 1024 && k < units.count - 1 {
            value /= 1024
            k += 1
        }
        return value < 1e4 ? String(format: k == 0 ? "%.0f %@" : "%.1f %@", value, units[k]) : String(format: "%.2e %@", value, units[k])
    }
}
