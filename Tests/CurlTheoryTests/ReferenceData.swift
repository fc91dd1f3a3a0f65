import Foundation

/// The reference numbers of curl-descent.md section 7 (shared/reference/data of the project), copied into this
/// repository as test fixtures so that the tests run from a clone alone; each file's first line says where it comes from.
let referenceDataDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/reference-data").standardizedFileURL

/// A numeric CSV: `#` comment lines (the fixture's provenance), then one header line; "nan" reads as NaN.
struct ReferenceTable {
    let header: [String]
    let rows: [[Double]]

    init(_ name: String) throws {
        let text = try String(contentsOf: referenceDataDirectory.appendingPathComponent(name), encoding: .utf8)
        let lines = text.split(whereSeparator: \.isNewline).map(String.init).filter { !$0.hasPrefix("#") }
        guard let first = lines.first else { throw CocoaError(.fileReadCorruptFile) }
        header = first.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        rows = try lines.dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { field -> Double? in
                let t = field.trimmingCharacters(in: .whitespaces)
                return t.lowercased() == "nan" ? .nan : Double(t)
            }
            guard fields.count == first.split(separator: ",").count, fields.allSatisfy({ $0 != nil }) else {
                throw CocoaError(.fileReadCorruptFile)
            }
            return fields.map { $0! }
        }
    }

    /// The values of one named column.
    func column(_ name: String) -> [Double] {
        guard let i = header.firstIndex(of: name) else { fatalError("no column \(name) in \(header)") }
        return rows.map { $0[i] }
    }
}

/// numpy's linspace(start, stop, num) element by element (i * step + start, the last set to stop), so that
/// int() of it reproduces the reference's integer grids.
func numpyLinspace(_ start: Double, _ stop: Double, _ num: Int) -> [Double] {
    let step = (stop - start) / Double(num - 1)
    return (0..<num).map { $0 == num - 1 ? stop : Double($0) * step + start }
}
