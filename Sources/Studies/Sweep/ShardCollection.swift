/// The shards of a sweep as `--collect` finds them: every cell's record once all shards are complete, and
/// otherwise, shard by shard, what is missing (no checkpoint at all, or how many of its cells are not there),
/// so that exactly the unfinished shards can be rerun.
public struct ShardCollection: Sendable {
    /// One shard's state.
    public enum Status: Sendable, Equatable {
        case complete(cells: Int)
        /// A checkpoint holding `done` of the shard's `cells`.
        case incomplete(done: Int, cells: Int)
        /// No checkpoint: the shard never started (or its file is gone).
        case absent(cells: Int)
        /// A checkpoint that cannot be used (another sweep's, unreadable): why.
        case unusable(String)

        public var isComplete: Bool { if case .complete = self { true } else { false } }
    }

    public let count: Int
    /// `statuses[k]` is that of shard k+1 of `count`.
    public let statuses: [Status]
    private let records: [String: CellRecord]

    /// Reads the `count` shards of `cells`; `load` returns a shard's finished records by key, nil when it has no
    /// checkpoint, and throws when its checkpoint cannot be used.
    public init(cells: [Cell], count: Int, load: (Shard) throws -> [String: CellRecord]?) {
        self.count = count
        var found: [String: CellRecord] = [:]
        statuses = (0..<count).map { k in
            let shard = Shard(index: k, count: count)
            let own = cells.filter(shard.contains)
            let loaded: [String: CellRecord]?
            do { loaded = try load(shard) } catch { return .unusable("\(error)") }
            guard let loaded else { return .absent(cells: own.count) }
            let done = own.filter { loaded[$0.key] != nil }
            for cell in done { found[cell.key] = loaded[cell.key] }
            return done.count == own.count ? .complete(cells: own.count) : .incomplete(done: done.count, cells: own.count)
        }
        records = found
    }

    public var isComplete: Bool { statuses.allSatisfy(\.isComplete) }

    /// The shards (1-based) that are not complete.
    public var unfinished: [Int] { statuses.indices.filter { !statuses[$0].isComplete }.map { $0 + 1 } }

    /// One line per unfinished shard: "shard 2/4: no checkpoint (30 cells to compute)", "shard 3/4: 12 of 30 cells done, 18 missing".
    public var problems: [String] {
        statuses.enumerated().compactMap { k, status in
            let name = "shard \(k + 1)/\(count)"
            switch status {
            case .complete: return nil
            case .incomplete(let done, let cells): return "\(name): incomplete, \(done) of \(cells) cells done, \(cells - done) missing"
            case .absent(let cells): return "\(name): missing, no checkpoint (\(cells) cells to compute)"
            case .unusable(let why): return "\(name): unusable checkpoint: \(why)"
            }
        }
    }

    /// The records of `cells` in grid order; nil unless every shard is complete.
    public func records(of cells: [Cell]) -> [CellRecord]? {
        guard isComplete else { return nil }
        return cells.map { records[$0.key]! }
    }

    /// The shard counts n of the files `NAME.shard-k-of-n.checkpoint` among `fileNames` (sorted, distinct).
    public static func shardCounts(among fileNames: [String], baseName: String) -> [Int] {
        let prefix = baseName + ".shard-", suffix = ".checkpoint"
        let counts = fileNames.compactMap { name -> Int? in
            guard name.hasPrefix(prefix), name.hasSuffix(suffix) else { return nil }
            let middle = name.dropFirst(prefix.count).dropLast(suffix.count).split(separator: "-", omittingEmptySubsequences: false)
            guard middle.count == 3, middle[1] == "of", let k = Int(middle[0]), let n = Int(middle[2]), n >= 1, (1...n).contains(k) else { return nil }
            return n
        }
        return Array(Set(counts)).sorted()
    }
}
