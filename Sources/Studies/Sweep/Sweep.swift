import Dispatch
import Foundation

/// `--shard k/n`: part k of n of a sweep. For the sweep engine, the cells whose grid index is k-1 modulo n
/// (interleaved, so that shards of a grid whose cost grows along an axis get similar work); `phase-diagram`
/// splits its theory grid into contiguous blocks of c instead.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// Parses "k/n" with 1 <= k <= n.
    public init?(_ text: String) {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]), n >= 1, (1...n).contains(k) else { return nil }
        index = k - 1
        count = n
    }

    public init(index: Int, count: Int) {
        self.index = index
        self.count = count
    }

    public func contains(_ cell: Cell) -> Bool { cell.index % count == index }
    /// This shard's contiguous block of `items` rows (`critical` and `phase-diagram` split their c values this
    /// way, so merged shards keep the rows' order); empty when there are fewer items than shards.
    public func block(of items: Int) -> Range<Int> { (items * index / count)..<(items * (index + 1) / count) }
    public var description: String { "\(index + 1)/\(count)" }
    /// The file-name suffix of this shard's outputs: `.shard-k-of-n`.
    public var suffix: String { ".shard-\(index + 1)-of-\(count)" }
}

/// How far a sweep is: cells done (of this run's), cells taken from the checkpoint, and a time estimate.
public struct SweepProgress: Sendable {
    public let done: Int
    public let total: Int
    public let resumed: Int
    public let elapsed: Double
    /// Seconds left, from the mean time per finished cell; nil before the first cell finishes.
    public var remaining: Double? { done > 0 ? elapsed / Double(done) * Double(total - done) : nil }

    public var description: String {
        var text = "\(done + resumed)/\(total + resumed) cells"
        if resumed > 0 { text += " (\(resumed) from the checkpoint)" }
        if let remaining { text += String(format: ", about %@ left", Self.duration(remaining)) }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}

/// Runs a study's cells: those of its shard, minus those already in the checkpoint, on `threads` workers that
/// take the next cell as they free up. Each finished cell is appended to the checkpoint at once. Each cell's
/// seed comes from the study seed and the cell's key, so the records do not depend on threads, shards or order.
public struct Sweep: Sendable {
    public var cells: [Cell]
    public var seed: UInt64
    public var shard: Shard?
    public var threads: Int
    public var checkpoint: Checkpoint?

    public init(cells: [Cell], seed: UInt64, shard: Shard? = nil, threads: Int = ProcessorBudget.available, checkpoint: Checkpoint? = nil) {
        self.cells = cells
        self.seed = seed
        self.shard = shard
        self.threads = threads
        self.checkpoint = checkpoint
    }

    /// The cells this process is responsible for.
    public var ownCells: [Cell] { shard.map { s in cells.filter(s.contains) } ?? cells }

    /// The records of `ownCells`, in grid order. After an error no new cell starts; the first error (by grid order)
    /// is rethrown once the started cells have finished, and the finished ones stay in the checkpoint.
    public func run(progress: (@Sendable (SweepProgress) -> Void)? = nil,
                    compute: @Sendable @escaping (Cell, UInt64) throws -> CellRecord) throws -> [CellRecord] {
        let mine = ownCells
        let finished = try checkpoint?.load() ?? [:]
        let todo = mine.filter { finished[$0.key] == nil }
        let results = Results(count: todo.count, resumed: mine.count - todo.count)
        let started = DispatchTime.now().uptimeNanoseconds
        let (studySeed, checkpoint) = (seed, self.checkpoint)
        DispatchQueue.concurrentPerform(iterations: max(1, min(threads, todo.count))) { _ in
            while let k = results.next() {
                let cell = todo[k]
                let outcome = Result { () throws -> CellRecord in
                    var record = try compute(cell, CellSeed.derive(studySeed: studySeed, key: cell.key))
                    record.key = cell.key
                    try checkpoint?.append(record)
                    return record
                }
                let done = results.store(outcome, at: k)
                progress?(SweepProgress(done: done, total: todo.count, resumed: results.resumed,
                                        elapsed: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
            }
        }
        for case .failure(let error)? in results.outcomes { throw error }
        var computed: [String: CellRecord] = [:]
        for (k, outcome) in results.outcomes.enumerated() { computed[todo[k].key] = try outcome!.get() }
        return mine.map { computed[$0.key] ?? finished[$0.key]! }
    }
}

/// The work queue and results of one sweep, shared by its workers.
private final class Results: @unchecked Sendable {
    private let lock = NSLock()
    private var nextIndex = 0
    private var done = 0
    private var failed = false
    let resumed: Int
    private(set) var outcomes: [Result<CellRecord, Error>?]

    init(count: Int, resumed: Int) {
        outcomes = Array(repeating: nil, count: count)
        self.resumed = resumed
    }

    func next() -> Int? {
        lock.withLock {
            guard nextIndex < outcomes.count, !failed else { return nil }
            defer { nextIndex += 1 }
            return nextIndex
        }
    }

    func store(_ outcome: Result<CellRecord, Error>, at k: Int) -> Int {
        lock.withLock {
            outcomes[k] = outcome
            if case .failure = outcome { failed = true }
            done += 1
            return done
        }
    }
}
