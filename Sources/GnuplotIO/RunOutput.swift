import Foundation

/// Everything a run hands back to its user, delivered the same way by every command:
/// 1. the files are written as one set (`OutputDirectory.commit`);
/// 2. the figure is rendered from them; if that fails (no gnuplot, a gnuplot error, a time-out) the run still
///    delivers its data and summary, an older figure of the same name is removed so that no stale picture sits
///    beside new data, and the failure is a warning with gnuplot's message;
/// 3. the summary is printed: result lines and the paths written, or with `--json` one object of the same
///    shape for every command (`envelope`).
public struct RunOutput {
    /// A file of the run: its name in the output directory and a label for the summary ("data", "stats").
    public struct File {
        public var label: String
        public var name: String
        public var contents: String

        public init(label: String, name: String, contents: String) {
            self.label = label
            self.name = name
            self.contents = contents
        }

        public init(label: String, name: String, table: DataFile) {
            self.init(label: label, name: name, contents: table.render())
        }
    }

    /// A figure rendered by `script` from the run's files into `name`.
    public struct Figure {
        public var script: URL
        public var arguments: [String]
        public var titles: [String]
        public var name: String

        public init(script: URL, arguments: [String], titles: [String] = [], name: String) {
            self.script = script
            self.arguments = arguments
            self.titles = titles
            self.name = name
        }
    }

    /// How a delivery ended: complete, or with the data and summary but without the figure.
    public enum Outcome: Equatable, Sendable {
        case complete
        case figureFailed(String)
    }

    public var command: String
    public var provenance: Provenance
    public var files: [File]
    public var figure: Figure?
    /// Lines printed on a terminal before the paths.
    public var summary: [String]
    /// The command's results for `--json`.
    public var results: JSONValue
    /// Things the user should know (printed on stderr as "warning: ...", listed in the JSON).
    public var warnings: [String]

    public init(command: String, provenance: Provenance, files: [File], figure: Figure? = nil, summary: [String],
                results: JSONValue, warnings: [String] = []) {
        self.command = command
        self.provenance = provenance
        self.files = files
        self.figure = figure
        self.summary = summary
        self.results = results
        self.warnings = warnings
    }

    /// Writes, renders and prints (see the type's documentation). Throws only if the files cannot be written.
    public func deliver(to directory: OutputDirectory, json: Bool) throws -> Outcome {
        try directory.commit(files.map { ($0.name, Data($0.contents.utf8)) })
        var outcome = Outcome.complete
        var figureURL: URL?
        if let figure {
            let target = directory.file(figure.name)
            do {
                try directory.withLock {
                    try Gnuplot.render(script: figure.script, arguments: figure.arguments, titles: figure.titles, output: target)
                }
                figureURL = target
            } catch {
                try? directory.remove(figure.name)
                outcome = .figureFailed("\(error)")
            }
        }
        var warnings = self.warnings
        if case .figureFailed(let message) = outcome {
            warnings.append("figure \(figure!.name) not rendered (the data and summary are complete): \(message)")
        }
        for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        if json {
            print(envelope(directory: directory, figure: figureURL, outcome: outcome, warnings: warnings).rendered())
        } else {
            for line in summary { print(line) }
            for file in files { print("\(file.label): \(directory.file(file.name).path)") }
            if let figureURL { print("figure: \(figureURL.path)") }
        }
        return outcome
    }

    /// The `--json` object: toolkit, version, BLAS kernels, command, command line, seed, parameters, files, figure, warnings and
    /// results. Every key is present in every command's object; a missing value is `null`.
    public func envelope(directory: OutputDirectory, figure: URL?, outcome: Outcome, warnings: [String]) -> JSONValue {
        var figureError: JSONValue = .null
        if case .figureFailed(let message) = outcome { figureError = .string(message) }
        return .object([
            "toolkit": .string(provenance.tool),
            "version": .string(provenance.version),
            "blas": provenance.blas.map { .string($0) } ?? .null,
            "command": .string(command),
            "command_line": .string(provenance.command),
            "seed": provenance.seed.map { .unsigned($0) } ?? .null,
            "parameters": .object(Dictionary(provenance.parameters.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { _, last in last })),
            "files": .object(Dictionary(files.map { ($0.label, JSONValue.string(directory.file($0.name).path)) }, uniquingKeysWith: { _, last in last })),
            "figure": figure.map { .string($0.path) } ?? .null,
            "figure_error": figureError,
            "warnings": .array(warnings.map(JSONValue.string)),
            "results": results,
        ])
    }
}
