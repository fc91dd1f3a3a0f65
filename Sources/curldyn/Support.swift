import ArgumentParser
import CurlTheory
import Foundation
import GnuplotIO
import LearningDynamics
import NodePerturbation
import NumericalKit
import Studies

/// A command-line failure with a message for the user (exit status 1).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Runs `body`, turning the science modules' one parameter error into an argument-validation error (exit 64).
func rethrowingAsValidation<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ParameterError {
        throw ValidationError(error.description)
    }
}

extension Provenance {
    /// The header of a file this run writes: curldyn, its version, the BLAS kernels and the command line as typed.
    static func thisRun(parameters: [(String, String)], seed: UInt64?, notes: [String] = []) -> Provenance {
        Provenance(tool: "curldyn", version: CurlDyn.version, blas: BLASKernel.summary, command: commandLineString, parameters: parameters,
                   seed: seed, notes: notes)
    }
}

/// The command line as typed, for provenance headers: words with characters a shell would read specially are
/// single-quoted, so the line can be pasted back into a shell.
var commandLineString: String {
    CommandLine.arguments.map(shellQuoted).joined(separator: " ")
}

func shellQuoted(_ word: String) -> String { ShellWord.quoted(word) }

/// Finds the `figures/` directory: the given one, ./figures, or the one beside the package that built this executable.
func figuresDirectory(_ explicit: String?) throws -> URL {
    if let explicit { return URL(fileURLWithPath: explicit) }
    var candidates = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("figures")]
    var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    for _ in 0..<4 {
        dir = dir.deletingLastPathComponent()
        candidates.append(dir.appendingPathComponent("figures"))
    }
    guard let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("learning_curves.gp").path) }) else {
        throw CommandFailure("cannot find the figures/ directory with the gnuplot scripts; pass --figures DIR or --no-plot")
    }
    return found
}

/// Progress on stderr. In a terminal: one line redrawn at most 10 times a second. Otherwise (a batch job
/// logging to a file): a plain line "progress: ..." every `CURLDYN_PROGRESS_INTERVAL` seconds (default 30), the
/// first one only after that long, so short runs stay silent. Safe to call from worker threads.
final class ProgressLine: @unchecked Sendable {
    let enabled = isatty(STDERR_FILENO) != 0
    private let started = DispatchTime.now().uptimeNanoseconds
    private var lastDrawn: UInt64 = 0
    private let lock = NSLock()
    private let interval: UInt64 = {
        let seconds = ProcessInfo.processInfo.environment["CURLDYN_PROGRESS_INTERVAL"].flatMap(Double.init) ?? 30
        return UInt64(max(0.1, min(seconds, 1e6)) * 1e9)
    }()

    func update(_ text: @autoclosure () -> String) {
        lock.lock()
        defer { lock.unlock() }
        let now = DispatchTime.now().uptimeNanoseconds
        if enabled {
            guard now - lastDrawn > 100_000_000 else { return }
            lastDrawn = now
            FileHandle.standardError.write(Data("\r\u{1B}[K\(text())".utf8))
        } else {
            guard now - max(lastDrawn, started) >= interval else { return }
            lastDrawn = now
            let elapsed = String(format: "%.0f", Double(now - started) / 1e9)
            FileHandle.standardError.write(Data("progress (\(elapsed) s): \(text())\n".utf8))
        }
    }

    func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
