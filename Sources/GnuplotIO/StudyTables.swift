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
