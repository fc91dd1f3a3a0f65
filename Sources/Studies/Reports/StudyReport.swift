/// What a study hands back once it has run: its tables, the figure drawn from them, the lines of the terminal
/// summary, the results for `--json`, and what the user should know. Every command writes its report the same way
/// (GnuplotIO's `RunOutput`), so a command is only its options, their validation and the study it builds.
public struct StudyReport: Sendable {
    public var tables: [Table]
    public var figure: FigurePlan?
    public var summary: [String]
    /// The results object of `--json`.
    public var results: any Encodable & Sendable
    public var warnings: [String]
    /// Header parameters known only once the study ran (added after the command's options).
    public var parameters: [(String, String)]
    /// Header notes: what the data are and how they were computed.
    public var notes: [String]
    /// Files that are not tables (a saved state), by suffix of the base name, with their label and text.
    public var attachments: [(suffix: String, label: String, contents: String)]

    public init(tables: [Table], figure: FigurePlan? = nil, summary: [String], results: any Encodable & Sendable, warnings: [String] = [],
                parameters: [(String, String)] = [], notes: [String] = [], attachments: [(suffix: String, label: String, contents: String)] = []) {
        self.tables = tables
        self.figure = figure
        self.summary = summary
        self.results = results
        self.warnings = warnings
        self.parameters = parameters
        self.notes = notes
        self.attachments = attachments
    }
}
