import Foundation

/// Renders figures by running a gnuplot script from `figures/` with `gnuplot -c script ARG1 ARG2 ...`.
/// Scripts take the output file as their last argument; it is written to a temporary name and renamed
/// into place only when gnuplot succeeds.
public enum Gnuplot {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// How long gnuplot may run before it is killed: `CURLDYN_GNUPLOT_TIMEOUT` seconds, 60 by default.
    public static var timeLimit: Double {
        ProcessInfo.processInfo.environment["CURLDYN_GNUPLOT_TIMEOUT"].flatMap(Double.init).flatMap { $0 > 0 && $0.isFinite ? $0 : nil } ?? 60
    }

    /// Runs `script` with `arguments` followed by the output path. `titles`, when given, are defined before the
    /// script runs as the gnuplot array TITLES (line titles may hold any characters, unlike words of an argument).
    /// gnuplot runs under `setpriv --pdeathsig KILL` where available, so it dies with its parent even when the
    /// parent is killed with SIGKILL; it is killed after `timeLimit` seconds; its stderr becomes the failure's text.
    public static func render(script: URL, arguments: [String], titles: [String] = [], output: URL) throws {
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw Failure(description: "figure script \(script.path) not found")
        }
        guard let executable = locate("gnuplot") else {
            throw Failure(description: "gnuplot is not installed or not on PATH (run `make deps`, or pass --no-plot)")
        }
        let temporary = OutputDirectory.temporaryURL(besides: output).appendingPathExtension(output.pathExtension)
        let messages = OutputDirectory.temporaryURL(besides: output).appendingPathExtension("log")
        Interruption.register(temporary: temporary)
        Interruption.register(temporary: messages)
        defer {
            unlink(temporary.path)
            unlink(messages.path)
            Interruption.unregister(temporary: temporary)
            Interruption.unregister(temporary: messages)
        }
        guard FileManager.default.createFile(atPath: messages.path, contents: nil), let errors = FileHandle(forWritingAtPath: messages.path) else {
            throw Failure(description: "cannot write in \(output.deletingLastPathComponent().path)")
        }
        defer { try? errors.close() }
        let gnuplotArguments = (titles.isEmpty ? [] : ["-e", titlesArray(titles)]) + ["-c", script.path] + arguments + [temporary.path]
        let process = Process()
        if let setpriv = locate("setpriv", in: "/usr/bin:/bin") {
            process.executableURL = setpriv
            process.arguments = ["--pdeathsig", "KILL", executable.path] + gnuplotArguments
        } else {
            process.executableURL = executable
            process.arguments = gnuplotArguments
        }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        Interruption.register(child: process.processIdentifier)
        defer { Interruption.unregister(child: process.processIdentifier) }
        let deadline = Date().addingTimeInterval(timeLimit)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let timedOut = process.isRunning
        if timedOut { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        let message = ((try? String(contentsOf: messages, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if timedOut {
            throw Failure(description: "gnuplot did not finish \(script.lastPathComponent) within \(timeLimit) s (CURLDYN_GNUPLOT_TIMEOUT) and was killed")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: temporary.path)[.size] as? Int) ?? 0
        guard process.terminationStatus == 0, size > 0 else {
            throw Failure(description: "gnuplot failed on \(script.lastPathComponent)" + (message.isEmpty ? "" : ": " + message))
        }
        try OutputDirectory.rename(temporary, to: output)
    }

    /// `array TITLES[n] = ["...", ...]` with each title as a gnuplot double-quoted string.
    static func titlesArray(_ titles: [String]) -> String {
        let quoted = titles.map { title in
            "\"" + title.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return "array TITLES[\(titles.count)] = [" + quoted.joined(separator: ", ") + "]"
    }

    static func locate(_ name: String, in searchPath: String? = nil) -> URL? {
        let path = searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
