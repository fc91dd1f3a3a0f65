import Foundation
import Testing

/// `curldyn figure`: the figure list, sharded and resumed sweeps, collecting shards, dry runs.
@Suite("curldyn figure, end to end")
struct FigureCLITests {
    @Test("figure list names every figure with its runs at both scales")
    func listNamesTheFigures() throws {
        try withSandbox { box in
            let result = try box.run(["figure", "list"])
            #expect(result.status == 0, "\(result)")
            for name in ["fig3a", "fig3a_inset", "fig3b", "fig4", "fig6a", "fig6b", "fig8"] { #expect(result.stdout.contains("\(name) "), "\(result)") }
            #expect(result.stdout.contains("quick: 120 runs of 10000 epochs; full: 8400 runs of 100000 epochs"), "\(result)")
        }
    }

    @Test("an unknown figure or a bad shard is refused with exit 64")
    func badFigureIsRefused() throws {
        try withSandbox { box in
            let unknown = try box.run(["figure", "fig99", "--out", box.out.path])
            #expect(unknown.status == 64 && unknown.stderr.contains("no figure fig99"), "\(unknown)")
            let shard = try box.run(["figure", "fig4", "--shard", "9/8", "--out", box.out.path])
            #expect(shard.status == 64 && shard.stderr.contains("--shard"), "\(shard)")
            #expect(try box.outEntries() == nil)
        }
    }

    /// The checkpoint's records (lines after the header), sorted: the cells a run finished, bit for bit.
    func records(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init).sorted()
    }

    @Test("a killed shard resumes from its checkpoint without redoing cells, to the records of an uninterrupted run")
    func killedShardResumes() throws {
        try withSandbox { box in
            let shard = ["figure", "fig4", "--shard", "1/8", "--threads", "1", "--out", box.out.path]
            let checkpoint = box.out.appendingPathComponent("fig4.shard-1-of-8.checkpoint")
            let process = Process()
            process.executableURL = try #require(curldynExecutable)
            process.arguments = shard
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let started = waitFor(60) { ((try? self.records(checkpoint)) ?? []).count >= 3 }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try #require(started, "the shard never finished three cells")
            let before = try records(checkpoint)
            try #require(before.count < 15, "the shard finished before the kill")

            let resumed = try box.run(shard + ["--resume"], environment: ["CURLDYN_PROGRESS_INTERVAL": "0.001"])
            #expect(resumed.status == 0, "\(resumed)")
            #expect(resumed.stderr.contains("(\(before.count) from the checkpoint)"), "\(resumed)")
            #expect(resumed.stdout.contains("shard 1/8: 15 of 120 cells"), "\(resumed)")
            let after = try records(checkpoint)
            #expect(after.count == 15 && Set(before).isSubset(of: Set(after)))

            let fresh = try box.run(["figure", "fig4", "--shard", "1/8", "--threads", "2", "--name", "fresh", "--out", box.out.path])
            #expect(fresh.status == 0, "\(fresh)")
            #expect(try records(box.out.appendingPathComponent("fresh.shard-1-of-8.checkpoint")) == after, "resumed records differ")

            // Collecting with seven shards missing names them and writes no table.
            let collect = try box.run(["figure", "fig4", "--collect", "--out", box.out.path])
            #expect(collect.status == 1 && collect.stderr.contains("shard 2/8: 15 of 15 cells missing"), "\(collect)")
            #expect(!FileManager.default.fileExists(atPath: box.out.appendingPathComponent("fig4.dat").path))
        }
    }

    @Test("--dry-run prints cells, runs and the estimated core-hours, and writes nothing")
    func dryRunEstimates() throws {
        try withSandbox { box in
            let result = try box.run(["figure", "fig3b", "--scale", "full", "--dry-run", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("figure fig3b (full): 750 cells"), "\(result)")
            #expect(result.stdout.contains("core-hours"), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
