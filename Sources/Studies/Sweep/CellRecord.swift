/// What a cell's computation returns: named numbers and named series (curves). Values are stored in shortest
/// round-trip text, so a record read back from a checkpoint is bit-identical to the one computed, NaN included.
public struct CellRecord: Sendable, Equatable {
    public var key: String
    public var values: [String: Double]
    public var series: [String: [Double]]

    public init(key: String, values: [String: Double] = [:], series: [String: [Double]] = [:]) {
        self.key = key
        self.values = values
        self.series = series
    }

    /// One line of text: `key<TAB>name=value ...<TAB>name=v,v,v ...<TAB>checksum`. Names and keys hold no tab or
    /// newline. The checksum (a fingerprint of the rest) tells a complete line from one a kill cut short, which
    /// could otherwise still parse, with truncated numbers.
    public var line: String {
        let numbers = values.keys.sorted().map { "\($0)=\(values[$0]!)" }.joined(separator: " ")
        let curves = series.keys.sorted().map { "\($0)=" + series[$0]!.map { "\($0)" }.joined(separator: ",") }.joined(separator: " ")
        let content = "\(key)\t\(numbers)\t\(curves)"
        return content + "\t" + CellSeed.fingerprint(content)
    }

    /// Parses `line`; nil if the line is not a complete record (wrong shape or checksum).
    public init?(line: String) {
        guard let tab = line.lastIndex(of: "\t"), CellSeed.fingerprint(String(line[..<tab])) == line[line.index(after: tab)...] else { return nil }
        let fields = line[..<tab].split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count == 3, !fields[0].isEmpty else { return nil }
        key = String(fields[0])
        values = [:]
        series = [:]
        for token in fields[1].split(separator: " ") {
            let parts = token.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let x = Double(parts[1]) else { return nil }
            values[String(parts[0])] = x
        }
        for token in fields[2].split(separator: " ") {
            let parts = token.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return nil }
            let numbers = parts[1].isEmpty ? [] : parts[1].split(separator: ",").map { Double($0) }
            guard numbers.allSatisfy({ $0 != nil }) else { return nil }
            series[String(parts[0])] = numbers.map { $0! }
        }
    }
}
