import Studies

extension DataFile {
    /// The data file of a study's table, under `header` with the table's own parameters and notes added.
    public init(_ table: Table, header: Provenance) {
        var provenance = header
        provenance.parameters += table.parameters
        provenance.notes += table.notes
        self.init(header: provenance, columns: table.columns, dataSets: table.sets.map { DataSet(title: $0.title, rows: $0.rows) },
                  layout: table.layout == .gridScanLines ? .gridScanLines : .indexedSets)
    }
}

extension RunOutput.File {
    /// The file `BASE<suffix>.dat` of a study's table, labelled as the table is.
    public init(_ table: Table, baseName: String, header: Provenance) {
        self.init(label: table.label, name: "\(baseName)\(table.suffix).dat", table: DataFile(table, header: header))
    }
}

extension RunOutput {
    /// The output of a study's report: its tables as `BASE<suffix>.dat` under `header`, its attachments as
    /// `BASE<suffix>`, the figure (already resolved to a script path, or nil with --no-plot), summary, results and warnings.
    public init(command: String, report: StudyReport, baseName: String, header: Provenance, figure: Figure?) throws {
        let files = report.tables.map { File($0, baseName: baseName, header: header) }
            + report.attachments.map { File(label: $0.label, name: "\(baseName)\($0.suffix)", contents: $0.contents) }
        self.init(command: command, provenance: header, files: files, figure: figure, summary: report.summary,
                  results: try JSONTreeEncoder.encode(report.results), warnings: report.warnings)
    }
}
