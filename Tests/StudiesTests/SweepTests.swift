import Foundation
import Testing
@testable import Studies

/// A cell computation whose result is a function of its seed only (and records how often it ran).
final class CountingComputation: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var runs: [String] = []

    func compute(_ cell: Cell, _ seed: UInt64) throws -> CellRecord {
        lock.withLock { runs.append(cell.key) }
        var generator = SplitMixGenerator(state: seed)
        return CellRecord(key: cell.key, values: ["x": Double(generator.next() >> 11) / Double(1 << 53), "index": Double(cell.index)],
                          series: ["curve": (0..<3).map { _ in Double(generator.next() >> 11) / Double(1 << 53) }, "empty": []])
    }
}

struct SplitMixGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state = state &+ 0x9e37_79b9_7f4a_7c15
        return CellSeed.splitMix(state)
    }
}

func scratchDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("curldyn-sweep-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("sweep engine")
struct SweepTests {
    let cells = Cell.grid([("c", [0.1, 0.3, 1.0]), ("alpha", [0, 0.5, 1]), ("init", [0, 1, 2])])

    @Test("a grid enumerates every combination, the last axis fastest, with distinct keys")
    func gridEnumeratesCombinations() {
        #expect(cells.count == 27)
        #expect(cells[0].key == "c=0.1 alpha=0.0 init=0.0")
        #expect(cells[1].key == "c=0.1 alpha=0.0 init=1.0")
        #expect(cells[26].key == "c=1.0 alpha=1.0 init=2.0")
        #expect(Set(cells.map(\.key)).count == 27)
        #expect(cells.map(\.index) == Array(0..<27))
    }

    @Test("cell seeds depend on the study seed and the cell key only, and differ between cells")
    func cellSeedsAreDerivedFromTheKey() {
        let seeds = cells.map { CellSeed.derive(studySeed: 7, key: $0.key) }
        #expect(Set(seeds).count == cells.count)
        #expect(CellSeed.derive(studySeed: 7, key: cells[3].key) == seeds[3])
        #expect(CellSeed.derive(studySeed: 8, key: cells[3].key) != seeds[3])
    }

    @Test("records do not depend on the thread count, and come back in grid order")
    func recordsIndependentOfThreads() throws {
        let one = try Sweep(cells: cells, seed: 3, threads: 1).run(compute: CountingComputation().compute)
        let four = try Sweep(cells: cells, seed: 3, threads: 4).run(compute: CountingComputation().compute)
        #expect(one == four)
        #expect(one.map(\.key) == cells.map(\.key))
    }

    @Test("shards partition the grid, and their records equal the unsharded run's")
    func shardsPartitionTheGrid() throws {
        let all = try Sweep(cells: cells, seed: 3).run(compute: CountingComputation().compute)
        var joined: [String: CellRecord] = [:]
        for k in 0..<4 {
            let part = try Sweep(cells: cells, seed: 3, shard: Shard(index: k, count: 4)).run(compute: CountingComputation().compute)
            for record in part {
                #expect(joined[record.key] == nil, "cell \(record.key) in two shards")
                joined[record.key] = record
            }
        }
        #expect(cells.map { joined[$0.key] } == all)
        #expect(Shard("3/8") == Shard(index: 2, count: 8) && Shard("0/8") == nil && Shard("9/8") == nil && Shard("x") == nil)
    }

    @Test("a record survives its text line bit for bit, NaN and empty series included")
    func recordLineRoundTrips() throws {
        var record = try CountingComputation().compute(cells[5], 99)
        record.values["nan"] = .nan
        record.values["inf"] = -.infinity
        let back = try #require(CellRecord(line: record.line))
        #expect(back.key == record.key && back.series == record.series)
        #expect(back.values["x"] == record.values["x"] && back.values["nan"]!.isNaN && back.values["inf"] == -.infinity)
        #expect(CellRecord(line: "cut\tx=1") == nil)
        // A line cut short still has the shape of a record; its checksum tells.
        #expect(CellRecord(line: String(record.line.dropLast(3))) == nil)
        let content = record.line[..<record.line.lastIndex(of: "\t")!]
        #expect(CellRecord(line: String(content.dropLast(4)) + "\t" + String(record.line.suffix(16))) == nil)
    }

    @Test("resume: cells in the checkpoint are not computed again, and the records equal an uninterrupted run")
    func resumeSkipsFinishedCells() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let checkpoint = Checkpoint(url: dir.appendingPathComponent("s.checkpoint"), study: "test", fingerprint: "abc")
        // A first run that fails at cell 10 (by grid order, after single-threaded cells 0...9 finished).
        struct Stop: Error {}
        let failing = CountingComputation()
        #expect(throws: Stop.self) {
            try Sweep(cells: cells, seed: 3, threads: 1, checkpoint: checkpoint).run { cell, seed in
                if cell.index == 10 { throw Stop() }
                return try failing.compute(cell, seed)
            }
        }
        #expect(try checkpoint.load().count == 10)
        let second = CountingComputation()
        let resumed = try Sweep(cells: cells, seed: 3, threads: 2, checkpoint: checkpoint).run(compute: second.compute)
        #expect(second.runs.count == 17, "only the 17 unfinished cells run again")
        #expect(resumed == (try Sweep(cells: cells, seed: 3).run(compute: CountingComputation().compute)))
    }

    @Test("a line cut by a kill is ignored on reading, and the next append starts a fresh line")
    func tornLastLineIsIgnored() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s.checkpoint")
        let checkpoint = Checkpoint(url: url, study: "test", fingerprint: "abc")
        let compute = CountingComputation()
        try checkpoint.append(try compute.compute(cells[0], 1))
        try checkpoint.append(try compute.compute(cells[1], 2))
        // Cut the file in the middle of the last line, as a kill during a write could.
        let data = try Data(contentsOf: url)
        try data.prefix(data.count - 7).write(to: url)
        #expect(try checkpoint.load().keys.sorted() == [cells[0].key])
        try checkpoint.append(try compute.compute(cells[2], 3))
        #expect(try checkpoint.load().keys.sorted() == [cells[0].key, cells[2].key].sorted())
    }

    @Test("a checkpoint of other parameters is refused, not mixed in")
    func otherParametersAreRefused() throws {
        let dir = try scratchDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("s.checkpoint")
        try Checkpoint(url: url, study: "test", fingerprint: "abc").append(try CountingComputation().compute(cells[0], 1))
        #expect(throws: Checkpoint.Mismatch.self) { try Checkpoint(url: url, study: "test", fingerprint: "xyz").load() }
    }

    @Test("the CPU budget reads Linux CPU lists")
    func cpuListsAreCounted() {
        #expect(ProcessorBudget.cpuCount(list: "0-3,8,10-11") == 7)
        #expect(ProcessorBudget.cpuCount(list: "0") == 1)
        #expect(ProcessorBudget.cpuCount(list: "3-1") == nil)
        #expect(ProcessorBudget.cpuCount(list: "x") == nil)
        #expect(ProcessorBudget.available >= 1)
    }
}

@Suite("cell selection")
struct CellSelectionTests {
    let grid = Cell.grid([("P", [260, 1000, 2000]), ("alpha", [0.1, 0.30000000000000004]), ("init", [0, 1])])

    @Test("a selection keeps exactly the cells with the named values, with their grid index and key")
    func keepsNamedValues() throws {
        let kept = try CellSelection.apply([try #require(CellSelection("P=1000,2000")), try #require(CellSelection("alpha=0.3"))], to: grid)
        #expect(kept.count == 4)
        #expect(kept.allSatisfy { [1000, 2000].contains($0["P"]) && abs($0["alpha"] - 0.3) < 1e-12 })
        #expect(kept.map(\.index) == grid.filter { $0["P"] != 260 && $0["alpha"] > 0.2 }.map(\.index))
        #expect(try CellSelection.apply([], to: grid) == grid)
    }

    @Test("malformed text does not parse; an unknown parameter or a value no cell has is an error, never an empty study")
    func refusesTypos() throws {
        for bad in ["P", "=1", "P=", "P=1,", "P=abc", "P=nan", "P=inf"] { #expect(CellSelection(bad) == nil, "\(bad)") }
        #expect(throws: CellSelection.Invalid.self) { try CellSelection.apply([CellSelection(parameter: "Q", values: [1])], to: grid) }
        #expect(throws: CellSelection.Invalid.self) { try CellSelection.apply([CellSelection(parameter: "P", values: [1000, 1500])], to: grid) }
    }
}
