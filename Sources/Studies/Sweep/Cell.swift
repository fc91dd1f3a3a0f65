/// One point of a study's grid: named numeric parameters in a fixed order. Its `key` ("c=0.3 alpha=0.4 init=2")
/// identifies it in checkpoints and derives its seed, so a cell's result never depends on which process,
/// shard, thread or order computed it.
public struct Cell: Sendable, Hashable {
    /// Position in the study's grid; results are reported in this order.
    public let index: Int
    public let names: [String]
    public let values: [Double]

    public init(index: Int, parameters: [(String, Double)]) {
        self.index = index
        names = parameters.map(\.0)
        values = parameters.map(\.1)
    }

    /// The value of parameter `name` (a programming error if absent).
    public subscript(_ name: String) -> Double {
        guard let k = names.firstIndex(of: name) else { preconditionFailure("cell \(key) has no parameter \(name)") }
        return values[k]
    }

    /// The value of `name` as a whole number (counts, sizes, init indices).
    public func integer(_ name: String) -> Int { Int(self[name]) }

    /// "name=value ..." in shortest round-trip form: the cell's identity.
    public var key: String { zip(names, values).map { "\($0)=\($1)" }.joined(separator: " ") }

    /// The grid of every combination of `axes` (the last axis varies fastest), indexed in that order.
    public static func grid(_ axes: [(String, [Double])]) -> [Cell] {
        var combinations: [[(String, Double)]] = [[]]
        for (name, values) in axes {
            combinations = combinations.flatMap { prefix in values.map { prefix + [(name, $0)] } }
        }
        return combinations.enumerated().map { Cell(index: $0.offset, parameters: $0.element) }
    }
}

/// Seeds derived from a study seed and a cell's identity (FNV-1a of the key, mixed by SplitMix64): independent
/// of the order in which cells run, and different for every cell.
public enum CellSeed {
    public static func derive(studySeed: UInt64, key: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return splitMix(studySeed ^ splitMix(hash))
    }

    static func splitMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A stable 64-bit fingerprint of a text (FNV-1a), printed in hex: the identity of a study's parameters.
    public static func fingerprint(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(splitMix(hash), radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
