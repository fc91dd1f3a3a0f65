import Studies

extension DataFile {
    /// The data file of a study's table, under `header` with the table's notes added.
    public init(_ table: Table, header: Provenance) {
        var provenance = header
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
