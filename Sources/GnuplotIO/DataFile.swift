/// A gnuplot data file: a `#` header (provenance and column names), then data sets separated by two blank
/// lines so that gnuplot's `index i` selects set i, or by one blank line when the sets are the scan lines of a
/// grid (`pm3d`, `splot`). Each set starts with a `# <title>` comment.
public struct DataFile: Sendable {
    /// How data sets are separated.
    public enum Layout: Sendable {
        /// Two blank lines: each set is a gnuplot `index`.
        case indexedSets
        /// One blank line: the sets are the scan lines of one grid.
        case gridScanLines
    }

    public struct DataSet: Sendable {
        public var title: String
        public var rows: [[Double]]

        public init(title: String, rows: [[Double]]) {
            self.title = title
            self.rows = rows
        }
    }

    public var header: Provenance
    public var columns: [String]
    public var dataSets: [DataSet]
    public var layout: Layout

    public init(header: Provenance, columns: [String], dataSets: [DataSet], layout: Layout = .indexedSets) {
        self.header = header
        self.columns = columns
        self.dataSets = dataSets
        self.layout = layout
    }

    /// The file's text. Values print in shortest round-trip form, so files can serve as test fixtures;
    /// non-finite values print as gnuplot's `NaN`.
    public func render() -> String {
        var out = header.lines.map { "# \($0)" }.joined(separator: "\n") + "\n"
        out += "# columns: " + columns.enumerated().map { "\($0.offset + 1):\($0.element)" }.joined(separator: " ") + "\n"
        for (k, set) in dataSets.enumerated() {
            if k > 0 { out += layout == .indexedSets ? "\n\n" : "\n" }
            out += "# index \(k): \(set.title)\n"
            for row in set.rows {
                precondition(row.count == columns.count, "row has \(row.count) values for \(columns.count) columns")
                out += row.map(Self.format).joined(separator: " ") + "\n"
            }
        }
        return out
    }

    static func format(_ x: Double) -> String { x.isFinite ? "\(x)" : "NaN" }
}

/// Who made a data file and how: the command line, the parameters, the seed and the toolkit version.
public struct Provenance: Sendable {
    public var tool: String
    public var version: String
    public var command: String
    public var parameters: [(String, String)]
    public var seed: UInt64?
    public var notes: [String]

    public init(tool: String, version: String, command: String, parameters: [(String, String)], seed: UInt64?, notes: [String] = []) {
        self.tool = tool
        self.version = version
        self.command = command
        self.parameters = parameters
        self.seed = seed
        self.notes = notes
    }

    public var lines: [String] {
        var lines = ["\(tool) \(version)", "command: \(command)"]
        if let seed { lines.append("seed: \(seed)") }
        lines.append("parameters: " + parameters.map { "\($0.0)=\($0.1)" }.joined(separator: " "))
        return lines + notes
    }
}
