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
        out += "# layout: \(layout == .indexedSets ? Self.indexedSetsLayout : Self.gridScanLinesLayout)\n"
        out += "# rows: \(dataSets.reduce(0) { $0 + $1.rows.count }) in \(dataSets.count) sets\n"
        out += "# columns: " + columns.enumerated().map { "\($0.offset + 1):\(Provenance.escaped($0.element, spaces: true))" }.joined(separator: " ") + "\n"
        for (k, set) in dataSets.enumerated() {
            if k > 0 { out += layout == .indexedSets ? "\n\n" : "\n" }
            out += "# index \(k): \(Provenance.escaped(set.title))\n"
            for row in set.rows {
                precondition(row.count == columns.count, "row has \(row.count) values for \(columns.count) columns")
                out += row.map(Self.format).joined(separator: " ") + "\n"
            }
        }
        return out
    }

    /// The `# layout:` header values, which `merge` reads to join shards with the right separator.
    public static let indexedSetsLayout = "indexed sets (two blank lines between sets)"
    public static let gridScanLinesLayout = "grid scan lines (one blank line between scan lines)"

    static func format(_ x: Double) -> String { x.isFinite ? "\(x)" : "NaN" }
}
