import Foundation
import Testing

// Support for the end-to-end tests: finding the built `curldyn`, running it in a scratch directory,
// and reading the gnuplot data files it writes.

/// The package root (this file is Tests/CLITests/CLIHarness.swift).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// The repository's figure scripts, for runs that render a figure.
let repositoryFigures = packageRoot.appendingPathComponent("figures")

/// The `curldyn` executable of this build: the test target depends on it, so it sits in the same build
/// products directory as the test bundle (debug or release, whatever --scratch-path). `CURLDYN_EXECUTABLE`
/// overrides; the package's own build folders are the last resort.
let curldynExecutable: URL? = {
    let fileManager = FileManager.default
    func executable(in directory: URL) -> URL? {
        let candidate = directory.appendingPathComponent("curldyn")
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: candidate.path, isDirectory: &isDirectory), !isDirectory.boolValue,
              fileManager.isExecutableFile(atPath: candidate.path) else { return nil }
        return candidate
    }
    if let explicit = ProcessInfo.processInfo.environment["CURLDYN_EXECUTABLE"], !explicit.isEmpty {
        return URL(fileURLWithPath: explicit)
    }
    // The test runner: on Linux the .xctest executable in the products directory; on macOS inside the bundle.
    var starts = [URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL, Bundle.main.bundleURL]
    if let main = Bundle.main.executableURL { starts.append(main) }
    for start in starts {
        for url in [start, start.resolvingSymlinksInPath()] {
            var directory = url
            for _ in 0..<5 {
                if let found = executable(in: directory) { return found }
                directory = directory.deletingLastPathComponent()
            }
        }
    }
    for scratch in [".build-cli", ".build"] {
        for configuration in ["debug", "release"] {
            if let found = executable(in: packageRoot.appendingPathComponent(scratch).appendingPathComponent(configuration)) { return found }
        }
    }
    return nil
}()

/// How one run of `curldyn` ended.
struct CLIResult: CustomStringConvertible {
    var arguments: [String]
    var status: Int32
    var exitedNormally: Bool
    var timedOut: Bool
    var stdout: String
    var stderr: String

    var description: String {
        "curldyn \(arguments.joined(separator: " "))\n  status \(status)\(exitedNormally ? "" : " (signal)")\(timedOut ? " (timed out)" : "")"
            + "\n  stdout: \(stdout)\n  stderr: \(stderr)"
    }
}

/// A fresh temporary directory for one test; `out` (inside it, not created) is the --out directory.
final class Sandbox {
    let root: URL
    private var runs = 0

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("curldyn-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    var out: URL { root.appendingPathComponent("out") }

    func remove() { try? FileManager.default.removeItem(at: root) }

    /// Runs `curldyn arguments` with the sandbox as working directory; stdout and stderr go to files beside
    /// `out` (no pipe can fill up), and a run longer than `timeout` seconds is killed.
    func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60, executable other: URL? = nil) throws -> CLIResult {
        let executable = try other ?? #require(curldynExecutable, "cannot find the curldyn executable next to the test bundle")
        runs += 1
        let stdoutURL = root.appendingPathComponent("run\(runs).stdout")
        let stderrURL = root.appendingPathComponent("run\(runs).stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = try FileHandle(forWritingTo: stderrURL)
        defer {
            try? stdoutHandle.close()
            try? stderrHandle.close()
        }

        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(5_000) }
        let timedOut = process.isRunning
        if timedOut { process.terminate() }
        process.waitUntilExit()

        let result = CLIResult(arguments: arguments, status: process.terminationStatus,
                               exitedNormally: process.terminationReason == .exit, timedOut: timedOut,
                               stdout: try String(contentsOf: stdoutURL, encoding: .utf8),
                               stderr: try String(contentsOf: stderrURL, encoding: .utf8))
        #expect(!timedOut, "curldyn ran longer than \(timeout) s: \(result)")
        return result
    }

    /// Names of all entries in `out`, hidden ones included (nil when `out` does not exist).
    func outEntries() throws -> [String]? {
        guard FileManager.default.fileExists(atPath: out.path) else { return nil }
        return try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
    }

    /// Every file in `out` with its bytes.
    func outSnapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try outEntries() ?? [] { files[name] = try Data(contentsOf: out.appendingPathComponent(name)) }
        return files
    }
}

/// Runs `body` with a fresh sandbox, removed afterwards whatever happens.
func withSandbox<T>(_ body: (Sandbox) throws -> T) throws -> T {
    let sandbox = try Sandbox()
    defer { sandbox.remove() }
    return try body(sandbox)
}

struct MalformedDataFile: Error, CustomStringConvertible {
    let description: String
}

/// A gnuplot data file as `curldyn` writes it: `# ` header lines, then data sets separated by exactly two
/// blank lines, each opening with `# index k: title` followed by rows of numbers.
struct DataFileContents {
    struct DataSet {
        var title: String
        var rows: [[Double]]
        func column(_ k: Int) -> [Double] { rows.map { $0[k] } }
    }

    /// Header lines without the leading "# ".
    var header: [String]
    var sets: [DataSet]

    init(contentsOf url: URL) throws {
        try self.init(parsing: String(contentsOf: url, encoding: .utf8))
    }

    init(parsing text: String) throws {
        guard text.hasSuffix("\n") else { throw MalformedDataFile(description: "no final newline") }
        let chunks = String(text.dropLast()).components(separatedBy: "\n\n\n")
        header = []
        sets = []
        for (k, chunk) in chunks.enumerated() {
            var lines = chunk.components(separatedBy: "\n")
            guard !lines.contains(where: \.isEmpty) else {
                throw MalformedDataFile(description: "data set \(k) holds a blank line (sets must be separated by exactly two blank lines)")
            }
            if k == 0 {
                while let first = lines.first, first.hasPrefix("#"), !first.hasPrefix("# index ") {
                    guard first.hasPrefix("# ") else { throw MalformedDataFile(description: "header line '\(first)' lacks '# '") }
                    header.append(String(first.dropFirst(2)))
                    lines.removeFirst()
                }
            }
            guard let titleLine = lines.first, titleLine.hasPrefix("# index \(k): ") else {
                throw MalformedDataFile(description: "data set \(k) does not open with '# index \(k): '")
            }
            let rows = try lines.dropFirst().map { line in
                try line.split(separator: " ", omittingEmptySubsequences: false).map { field in
                    guard let x = Double(field) else { throw MalformedDataFile(description: "'\(field)' in '\(line)' is not a number") }
                    return x
                }
            }
            sets.append(DataSet(title: String(titleLine.dropFirst("# index \(k): ".count)), rows: rows))
        }
    }

    /// The value of the header line `key: value`.
    func headerValue(_ key: String) -> String? {
        header.first { $0.hasPrefix("\(key): ") }.map { String($0.dropFirst(key.count + 2)) }
    }

    /// The `parameters:` header line as key=value pairs (nil if any token is not of that form).
    var parameters: [String: String]? {
        guard let line = headerValue("parameters") else { return nil }
        var result: [String: String] = [:]
        for token in line.split(separator: " ", omittingEmptySubsequences: false) {
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, result[String(parts[0])] == nil else { return nil }
            result[String(parts[0])] = String(parts[1])
        }
        return result
    }

    /// The data rows without the header, for comparing results across command lines.
    var data: [[[Double]]] { sets.map(\.rows) }
}

/// The keys of every command's `--json` object, present in each (a missing value is null).
let jsonEnvelopeKeys: Set<String> = ["toolkit", "version", "blas", "command", "command_line", "seed", "parameters", "files", "figure",
                                     "figure_error", "warnings", "results"]

/// The whole `--json` object on stdout, checked to have exactly the envelope's keys.
func parseJSONEnvelope(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
    let envelope = try #require(object as? [String: Any], "the JSON output is not an object: \(text)", sourceLocation: sourceLocation)
    #expect(Set(envelope.keys) == jsonEnvelopeKeys, sourceLocation: sourceLocation)
    return envelope
}

/// The `results` object of the `--json` output (the envelope checked on the way).
func parseJSONObject(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
    try #require(try parseJSONEnvelope(text, sourceLocation: sourceLocation)["results"] as? [String: Any],
                 "the JSON results are not an object: \(text)", sourceLocation: sourceLocation)
}

/// The `results.rows` array of the `--json` output (critical, np-variance, np-sweep).
func parseJSONRows(_ text: String, key: String = "rows", sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
    try #require(try parseJSONObject(text, sourceLocation: sourceLocation)[key] as? [[String: Any]], "no results.\(key) array: \(text)",
                 sourceLocation: sourceLocation)
}

/// True when the relative difference of a and b is at most `tolerance`.
func agree(_ a: Double, _ b: Double, tolerance: Double = 1e-12) -> Bool {
    a == b || abs(a - b) <= tolerance * max(abs(a), abs(b))
}

/// A gnuplot grid file as `curldyn phase-diagram` writes it for pm3d: `# ` header lines, then blocks (scan lines)
/// separated by exactly ONE blank line (two would start a new gnuplot data set and break the surface). A block may
/// open with `# ` comment lines (its `# index k: c = ...` title); comments inside a block or empty blocks are refused.
struct GridFileContents {
    /// Header lines without the leading "# ".
    var header: [String]
    /// blocks[b][row] = the numbers of one data line.
    var blocks: [[[Double]]]

    init(contentsOf url: URL) throws {
        try self.init(parsing: String(contentsOf: url, encoding: .utf8))
    }

    init(parsing text: String) throws {
        guard text.hasSuffix("\n") else { throw MalformedDataFile(description: "no final newline") }
        let lines = String(text.dropLast()).components(separatedBy: "\n")
        var i = 0
        header = []
        while i < lines.count, lines[i].hasPrefix("#"), !lines[i].hasPrefix("# index ") {
            guard lines[i].hasPrefix("# ") else { throw MalformedDataFile(description: "header line '\(lines[i])' lacks '# '") }
            header.append(String(lines[i].dropFirst(2)))
            i += 1
        }
        blocks = []
        var current: [[Double]] = []
        for (n, line) in lines[i...].enumerated() {
            if line.isEmpty {
                guard !current.isEmpty else {
                    throw MalformedDataFile(description: "line \(i + n + 1): a blank line that ends no block (two blank lines in a row, or an empty block)")
                }
                blocks.append(current)
                current = []
            } else if line.hasPrefix("#") {
                guard current.isEmpty else { throw MalformedDataFile(description: "line \(i + n + 1): comment '\(line)' inside a block") }
            } else {
                current.append(try line.split(separator: " ", omittingEmptySubsequences: false).map { field in
                    guard let x = Double(field) else { throw MalformedDataFile(description: "'\(field)' in '\(line)' is not a number") }
                    return x
                })
            }
        }
        guard !current.isEmpty else { throw MalformedDataFile(description: "the file ends without a data line") }
        blocks.append(current)
    }
}

/// The lines of a data file that are not comments, blank lines included: what gnuplot reads, for comparing
/// files whose headers (command line, shard) legitimately differ.
func dataLines(_ text: String) -> [String] {
    text.components(separatedBy: "\n").filter { !$0.hasPrefix("#") }
}

/// `dataLines` of the file at `url`.
func dataLines(of url: URL) throws -> [String] {
    dataLines(try String(contentsOf: url, encoding: .utf8))
}

/// The data files (*.dat) of `directory` by name, each as its data lines (comments aside).
func dataFiles(in directory: URL) throws -> [String: [String]] {
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".dat") }
    return try Dictionary(uniqueKeysWithValues: names.map { ($0, try dataLines(of: directory.appendingPathComponent($0))) })
}

/// A JSON number as a Double (integers included, whichever way Foundation bridged it).
func jsonDouble(_ value: Any?) -> Double? {
    if let number = value as? NSNumber { return number.doubleValue }
    return value as? Double
}

/// A refused command: exited (no crash) with a non-zero status, "Error: ..." on stderr mentioning `message`,
/// nothing on stdout, and not even a leftover temporary file in --out.
func expectRefused(_ result: CLIResult, mentioning message: String, sandbox box: Sandbox,
                   sourceLocation: SourceLocation = #_sourceLocation) throws {
    #expect(result.exitedNormally, "\(result)", sourceLocation: sourceLocation)
    #expect(result.status != 0, "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.hasPrefix("Error: "), "\(result)", sourceLocation: sourceLocation)
    #expect(result.stderr.contains(message), "\(result)", sourceLocation: sourceLocation)
    #expect(result.stdout.isEmpty, "\(result)", sourceLocation: sourceLocation)
    let entries = try box.outEntries()
    #expect(entries == nil || entries == [], "files left in --out: \(entries ?? [])", sourceLocation: sourceLocation)
}
