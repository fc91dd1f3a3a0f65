import Foundation

/// Renders figures by running a gnuplot script from `figures/` with `gnuplot -c script ARG1 ARG2 ...`.
/// Scripts take the output file as their last argument; it is written to a temporary name and renamed
/// into place only when gnuplot succeeds.
public enum Gnuplot {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Runs `script` with `arguments` followed by the output path. `titles`, when given, are defined before the
    /// script runs as the gnuplot array TITLES (line titles may hold any characters, unlike words of an argument).
    public static func render(script: URL, arguments: [String], titles: [String] = [], output: URL) throws {
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw Failure(description: "figure script \(script.path) not found")
        }
        guard let executable = locate("gnuplot") else {
            throw Failure(description: "gnuplot is not installed (run `make deps`, or pass --no-plot)")
        }
        let temporary = AtomicFile.temporaryURL(besides: output).appendingPathExtension(output.pathExtension)
        let process = Process()
        process.executableURL = executable
        process.arguments = (titles.isEmpty ? [] : ["-e", titlesArray(titles)]) + ["-c", script.path] + arguments + [temporary.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? Int) ?? 0
        guard process.terminationStatus == 0, size > 0 else {
            try? FileManager.default.removeItem(at: temporary)
            throw Failure(description: "gnuplot failed on \(script.lastPathComponent): " + String(decoding: message, as: UTF8.self))
        }
        try AtomicFile.replace(output, with: temporary)
    }

    /// `array TITLES[n] = ["...", ...]` with each title as a gnuplot double-quoted string.
    static func titlesArray(_ titles: [String]) -> String {
        let quoted = titles.map { title in
            "\"" + title.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "array TITLES[\(titles.count)] = [" + quoted.joined(separator: ", ") + "]"
    }

    static func locate(_ name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
