import CGSL
import Foundation

/// Which OpenBLAS kernels run, and choosing the ones that fit the CPU.
///
/// A DYNAMIC_ARCH OpenBLAS (Debian's) picks its kernel set ("core") once, when the library loads, from CPUID, or
/// from `OPENBLAS_CORETYPE` when that is set. An OpenBLAS older than the CPU does not know its model and falls back
/// to a generic core: Debian's 0.3.21 runs its SSE3 `Prescott` kernels on CPUs it does not recognise, at a fifth
/// of the dgemm rate the CPU's AVX-512 (`SkylakeX`) or AVX2 (`Haswell`) kernels reach. As the choice is made
/// before `main`, fixing it needs a new process image: `relaunchWithFittingCoreIfNeeded` (called first thing by
/// `curldyn`) sets `OPENBLAS_CORETYPE` to the core the CPU's features call for and re-executes the program, once.
/// `OPENBLAS_CORETYPE` set by the user is always honoured; `CURLDYN_BLAS_CORE_SELECTION=off` keeps whatever
/// OpenBLAS chose by itself.
///
/// The core changes the last bits of results (another kernel sums in another order), never more; the numbers
/// are bit-identical for a given core, and every output header names it.
public enum BLASKernel {
    /// Set by curldyn to "CHOSEN from DETECTED" (e.g. "SkylakeX from Prescott") on the relaunched process: marks
    /// `OPENBLAS_CORETYPE` as curldyn's choice rather than the user's, and keeps the relaunch from happening twice.
    public static let selectionMarker = "CURLDYN_BLAS_CORE_SELECTED"
    /// `off` disables the selection (OpenBLAS's own choice stays); anything else, or unset, means `auto`.
    public static let selectionSwitch = "CURLDYN_BLAS_CORE_SELECTION"
    /// For tests only: the decision acts as if OpenBLAS had loaded this core (to exercise the relaunch on a CPU
    /// that OpenBLAS recognises). It changes nothing else.
    public static let assumedLoadedCore = "CURLDYN_BLAS_ASSUME_LOADED_CORE"

    /// The core OpenBLAS loaded, as it names it ("SkylakeX", "Haswell", "Prescott", ...).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// OpenBLAS's build configuration string ("OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY SkylakeX MAX_THREADS=64").
    public static var configuration: String { String(cString: openblas_get_config()).trimmingCharacters(in: .whitespaces) }

    /// Who chose the running core.
    public enum Origin: Equatable, Sendable {
        /// OpenBLAS's own CPUID detection.
        case openBLAS
        /// `OPENBLAS_CORETYPE` set by the user (OpenBLAS falls back to its detection for a name it does not know).
        case userEnvironment(String)
        /// curldyn's relaunch: `detected` is the core OpenBLAS had chosen by itself.
        case curldyn(detected: String)
    }

    public static var origin: Origin { origin(environment: ProcessInfo.processInfo.environment) }

    static func origin(environment: [String: String]) -> Origin {
        guard let requested = environment["OPENBLAS_CORETYPE"], !requested.isEmpty else { return .openBLAS }
        if let marker = environment[selectionMarker], let (chosen, detected) = parseMarker(marker), chosen == requested {
            return .curldyn(detected: detected)
        }
        return .userEnvironment(requested)
    }

    /// One line for output headers and `bench`: the core, who chose it, and OpenBLAS's configuration, e.g.
    /// "SkylakeX (chosen by curldyn for this CPU's avx512f; OpenBLAS detected Prescott); OpenBLAS 0.3.21 ... MAX_THREADS=64".
    public static var summary: String {
        let core = coreName
        let why: String
        switch origin {
        case .openBLAS: why = "detected by OpenBLAS"
        case .userEnvironment(let requested):
            why = requested.caseInsensitiveCompare(core) == .orderedSame
                ? "set by OPENBLAS_CORETYPE" : "OPENBLAS_CORETYPE=\(requested) not available, detected by OpenBLAS"
        case .curldyn(let detected):
            let asked = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] ?? ""
            why = asked.caseInsensitiveCompare(core) == .orderedSame
                ? "chosen by curldyn for this CPU; OpenBLAS detected \(detected)" : "curldyn asked for \(asked), not in this OpenBLAS"
        }
        return "\(core) (\(why)); \(configuration)"
    }

    // MARK: - The choice

    /// Instruction-set tiers of OpenBLAS's x86-64 cores, lowest first.
    public enum Tier: Int, Comparable, Sendable {
        case sse = 0, avx, avx2, avx512
        public static func < (a: Tier, b: Tier) -> Bool { a.rawValue < b.rawValue }

        /// The core curldyn asks for on a CPU of this tier (nil: no better core than the generic ones).
        public var preferredCore: String? {
            switch self {
            case .avx512: "SkylakeX"
            case .avx2: "Haswell"
            case .avx, .sse: nil
            }
        }
    }

    /// The tier of a core OpenBLAS 0.3.x names (case-insensitive); nil for a name not listed here (a newer or a
    /// non-x86 core), which curldyn then leaves alone.
    public static func tier(ofCore name: String) -> Tier? {
        switch name.lowercased() {
        case "skylakex", "cooperlake", "sapphirerapids": .avx512
        case "haswell", "zen", "excavator": .avx2
        case "sandybridge", "bulldozer", "piledriver", "steamroller": .avx
        case "prescott", "katmai", "coppermine", "northwood", "banias", "atom", "core2", "penryn", "dunnington", "nehalem",
             "athlon", "opteron", "opteron_sse3", "barcelona", "bobcat", "nano", "generic": .sse
        default: nil
        }
    }

    /// The tier a CPU with these /proc/cpuinfo flags supports. The Linux kernel lists a feature only when the OS
    /// also saves its registers (XSAVE), so a listed flag is usable. SkylakeX kernels need AVX-512 F, CD, BW, DQ
    /// and VL; Haswell kernels AVX2 and FMA.
    public static func tier(cpuFlags flags: Set<String>) -> Tier {
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(flags.contains) { return .avx512 }
        if flags.contains("avx2") && flags.contains("fma") { return .avx2 }
        if flags.contains("avx") { return .avx }
        return .sse
    }

    /// The core to relaunch with, or nil to keep the loaded one: only when OpenBLAS chose by itself (no
    /// `OPENBLAS_CORETYPE`, no earlier relaunch, selection not `off`), the loaded core is a known one of a lower
    /// tier than the CPU's, and that tier has a better core.
    public static func coreToRelaunchWith(loadedCore: String, cpuFlags: Set<String>, environment: [String: String]) -> String? {
        let set = { (name: String) in environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        if set(selectionSwitch)?.lowercased() == "off" || set(selectionMarker) != nil || set("OPENBLAS_CORETYPE") != nil { return nil }
        guard let loaded = tier(ofCore: loadedCore) else { return nil }
        let cpu = tier(cpuFlags: cpuFlags)
        guard cpu > loaded, let core = cpu.preferredCore else { return nil }
        return core
    }

    /// The flags of the first processor in /proc/cpuinfo (empty if it cannot be read).
    public static func cpuFlags(cpuinfo: String? = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) -> Set<String> {
        guard let cpuinfo,
              let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") && $0.contains(":") }) else { return [] }
        return Set(line.split(separator: ":", maxSplits: 1)[1].split(separator: " ").map(String.init))
    }

    static func parseMarker(_ marker: String) -> (chosen: String, detected: String)? {
        let parts = marker.components(separatedBy: " from ")
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    // MARK: - The relaunch

    /// Call first thing in `main`, before any thread starts or anything is printed: if the CPU calls for a better
    /// core than OpenBLAS loaded (see `coreToRelaunchWith`), sets `OPENBLAS_CORETYPE` and the marker and replaces
    /// this process by a fresh image of the same executable with the same argv (`execv` of /proc/self/exe). The
    /// process id, open files (stdin, stdout, stderr), signal mask, working directory and the parent's wait
    /// are unchanged, so the exit status and signals are those of the relaunched program. Returns (and the program
    /// goes on with the loaded core) when there is nothing to do or the exec fails.
    public static func relaunchWithFittingCoreIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        let loaded = environment[assumedLoadedCore].flatMap { $0.isEmpty ? nil : $0 } ?? coreName
        guard let core = coreToRelaunchWith(loadedCore: loaded, cpuFlags: cpuFlags(), environment: environment) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(selectionMarker, "\(core) from \(loaded)", 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached when the exec failed: undo, and run with the loaded core.
        unsetenv("OPENBLAS_CORETYPE")
        unsetenv(selectionMarker)
    }
}
