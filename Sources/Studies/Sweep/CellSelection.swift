import Foundation

/// A subset of a study's grid named on the command line: "P=1000,2000" keeps the cells whose parameter P is 1000
/// or 2000; several selections must all hold ("P=1000 init=0,1"). Cells keep their grid index and key, so their
/// seeds, shards and results are those of the whole grid: a selection computes part of the full figure, not another
/// figure.
public struct CellSelection: Sendable, Equatable, CustomStringConvertible {
    /// A selection that names a parameter the grid lacks or a value no cell has.
    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    public let parameter: String
    public let values: [Double]

    public init(parameter: String, values: [Double]) {
        self.parameter = parameter
        self.values = values
    }

    /// Parses "NAME=V1,V2,...".
    public init?(_ text: String) {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return nil }
        let values = parts[1].split(separator: ",", omittingEmptySubsequences: false).map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ $0?.isFinite == true }) else { return nil }
        self.init(parameter: String(parts[0]), values: values.map { $0! })
    }

    public var description: String { "\(parameter)=" + values.map { "\($0)" }.joined(separator: ",") }

    /// Whether `cell` has one of the selected values (to 1e-9 relative, so "0.3" matches a grid's 0.30000000000000004).
    public func contains(_ cell: Cell) -> Bool {
        guard let k = cell.names.firstIndex(of: parameter) else { return false }
        let v = cell.values[k]
        return values.contains { abs($0 - v) <= 1e-9 * max(1, abs(v)) }
    }

    /// The cells every selection keeps; an error names a parameter the grid lacks or a value no cell has, so a typo
    /// never runs an empty or partial study silently.
    public static func apply(_ selections: [CellSelection], to cells: [Cell]) throws -> [Cell] {
        for s in selections {
            guard let example = cells.first, example.names.contains(s.parameter) else {
                let names = cells.first?.names.joined(separator: ", ") ?? "none"
                throw Invalid(description: "the grid has no parameter \(s.parameter) (its parameters: \(names))")
            }
            for v in s.values where !cells.contains(where: { CellSelection(parameter: s.parameter, values: [v]).contains($0) }) {
                let grid = Array(Set(cells.map { $0[s.parameter] })).sorted().map { "\($0)" }.joined(separator: ", ")
                throw Invalid(description: "no cell has \(s.parameter) = \(v) (the grid's values: \(grid))")
            }
        }
        return cells.filter { cell in selections.allSatisfy { $0.contains(cell) } }
    }
}
