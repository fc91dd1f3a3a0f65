import Foundation
import Testing

/// `curldyn figure`: the figure list, sharded and resumed sweeps, collecting shards, dry runs.
@Suite("curldyn figure, end to end")
struct FigureCLITests {
    @Test("figure list names every figure with its runs at both scales, in the unit each figure's work is counted in")
    func listNamesTheFigures() throws {
        try withSandbox { box in
            let result = try box.run(["figure", "list"])
            #expect(result.status == 0, "\(result)")
            for name in ["fig3a", "fig3a_inset", "fig3b", "fig4", "fig6a", "fig6b", "fig8", "scm_curves", "scm_escape"] { #expect(result.stdout.contains("\(name) "), "\(result)") }
            #expect(result.stdout.contains("quick: 120 runs of 10000 epochs; full: 8400 runs of 100000 epochs"), "\(result)")
            #expect(result.stdout.contains("quick: 5 runs of 600 units of alpha (ODE time)"), "scm_curves integrates in alpha, not epochs: \(result)")
            #expect(result.stdout.contains("quick: 18 runs of 1000 steps"), "loco_learning counts steps: \(result)")
            #expect(result.stdout.contains("runs of 1 sampled stability matrix;"), "fig2 samples matrices: \(result)")
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
            #expect(collect.status == 1 && collect.stderr.contains("shard 2/8: missing, no checkpoint (15 cells to compute)"), "\(collect)")
            #expect(!FileManager.default.fileExists(atPath: box.out.appendingPathComponent("fig4.dat").path))
        }
    }

    @Test("--dry-run prints cells, runs and the estimated core-hours, and writes nothing")
    func dryRunEstimates() throws {
        try withSandbox { box in
            // It measures three full-scale cells: in a debug build on a loaded machine that can take a minute.
            let result = try box.run(["figure", "fig3b", "--scale", "full", "--dry-run", "--out", box.out.path], timeout: 300)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("figure fig3b (full): 750 cells"), "\(result)")
            #expect(result.stdout.contains("core-hours"), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }

    // MARK: - Sharded figures and SLURM array jobs

    @Test("--only computes part of the grid with the very records of the whole run; a selection the grid lacks exits 64 and writes nothing")
    func onlyComputesPartOfTheGridWithTheSameRecords() throws {
        try withSandbox { box in
            let figure = ["figure", "loco_variance", "--scale", "quick", "--no-plot", "--threads", "1"]
            let whole = try box.run(figure + ["--out", box.out.path], timeout: 120)
            try #require(whole.status == 0, "\(whole)")
            let part = box.root.appendingPathComponent("part")
            let only = try box.run(figure + ["--only", "setting=2", "--out", part.path], timeout: 120)
            try #require(only.status == 0, "\(only)")
            func records(_ directory: URL) throws -> [String] {
                try String(contentsOf: directory.appendingPathComponent("loco_variance.checkpoint"), encoding: .utf8)
                    .components(separatedBy: "\n").filter { !$0.isEmpty && !$0.hasPrefix("#") }
            }
            let kept = try records(part)
            #expect(!kept.isEmpty && kept.allSatisfy { $0.hasPrefix("setting=2") })
            #expect(Set(kept).isSubset(of: Set(try records(box.out))), "--only changed a cell's record")
            let header = try String(contentsOf: part.appendingPathComponent("loco_variance.dat"), encoding: .utf8)
            #expect(header.contains("only=setting=2"))
            for bad in ["setting=3", "width=2", "setting"] {
                let refused = try box.run(figure + ["--only", bad, "--out", box.root.appendingPathComponent("bad").path])
                #expect(refused.status == 64, "\(bad): \(refused)")
                #expect(!FileManager.default.fileExists(atPath: box.root.appendingPathComponent("bad").path))
            }
        }
    }

    @Test("a figure run in three shards and collected has exactly the data lines of the unsharded run")
    func collectedShardsEqualTheUnshardedRun() throws {
        try withSandbox { box in
            let figure = ["figure", "loco_variance", "--scale", "quick", "--no-plot"]
            let sharded = box.root.appendingPathComponent("sharded")
            for k in [3, 1, 2] {
                let shard = try box.run(figure + ["--shard", "\(k)/3", "--threads", "1", "--out", sharded.path], timeout: 120)
                try #require(shard.status == 0, "\(shard)")
                #expect(shard.stdout.contains("(0 from the checkpoint, 4 computed now)"), "\(shard)")
            }
            let collect = try box.run(figure + ["--collect", "--out", sharded.path])
            try #require(collect.status == 0, "\(collect)")
            let whole = try box.run(figure + ["--out", box.out.path], timeout: 120)
            try #require(whole.status == 0, "\(whole)")
            let expected = try dataFiles(in: box.out)
            #expect(!expected.isEmpty && expected.values.allSatisfy { $0.contains { !$0.isEmpty } })
            #expect(try dataFiles(in: sharded) == expected, "collected shards differ from the unsharded run")
        }
    }

    @Test("--collect names a shard that never ran as missing and one cut short as incomplete, and writes no table")
    func collectNamesUnfinishedShards() throws {
        try withSandbox { box in
            let figure = ["figure", "loco_variance", "--no-plot", "--out", box.out.path]
            try #require(try box.run(figure + ["--shard", "1/3"], timeout: 120).status == 0)
            try #require(try box.run(figure + ["--shard", "2/3"], timeout: 120).status == 0)
            // Shard 2 loses its last record, as if killed before it; shard 3 never ran.
            let checkpoint = box.out.appendingPathComponent("loco_variance.shard-2-of-3.checkpoint")
            let lines = try String(contentsOf: checkpoint, encoding: .utf8).split(separator: "\n")
            try (lines.dropLast().joined(separator: "\n") + "\n").write(to: checkpoint, atomically: true, encoding: .utf8)
            let collect = try box.run(figure + ["--collect"])
            #expect(collect.status == 1, "\(collect)")
            #expect(collect.stderr.contains("2 of 3 shards are not complete"), "\(collect)")
            #expect(collect.stderr.contains("shard 2/3: incomplete, 3 of 4 cells done, 1 missing"), "\(collect)")
            #expect(collect.stderr.contains("shard 3/3: missing, no checkpoint (4 cells to compute)"), "\(collect)")
            #expect(!collect.stderr.contains("shard 1/3"), "\(collect)")
            #expect(try dataFiles(in: box.out).isEmpty)
        }
    }

    @Test("--slurm writes the array and collect scripts running this executable, and prints the sbatch line")
    func slurmWritesScripts() throws {
        try withSandbox { box in
            let result = try box.run(["figure", "fig5b", "--slurm", "--tasks", "4", "--cpus-per-task", "2", "--time", "1:00:00", "--inits", "4", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let out = box.out.standardizedFileURL.path
            #expect(result.stdout.contains("jobid=$(sbatch --parsable \(out)/fig5b.sbatch) && sbatch --dependency=afterok:${jobid%%;*} \(out)/fig5b.collect.sbatch"), "\(result)")
            #expect(try box.outEntries() == ["fig5b.collect.sbatch", "fig5b.sbatch", "slurm-logs"])
            let array = try String(contentsOf: box.out.appendingPathComponent("fig5b.sbatch"), encoding: .utf8)
            let executable = try #require(curldynExecutable).resolvingSymlinksInPath().path
            #expect(array.contains("exec \(executable) figure fig5b --scale quick --seed 1 --inits 4 --out \(out) --shard \"${SLURM_ARRAY_TASK_ID}/4\" --resume"), "\(array)")
            #expect(array.contains("#SBATCH --array=1-4\n") && array.contains("#SBATCH --cpus-per-task=2\n") && array.contains("#SBATCH --time=1:00:00\n"), "\(array)")
            let collect = try String(contentsOf: box.out.appendingPathComponent("fig5b.collect.sbatch"), encoding: .utf8)
            #expect(collect.contains("exec \(executable) figure fig5b --scale quick --seed 1 --inits 4 --out \(out) --collect"), "\(collect)")

            // --dry-run prints the same scripts and writes nothing.
            let dry = try box.run(["figure", "fig5b", "--slurm", "--dry-run", "--out", box.root.appendingPathComponent("dry").path])
            #expect(dry.status == 0 && dry.stdout.contains("#SBATCH --array=1-8") && dry.stdout.contains("submit with:"), "\(dry)")
            #expect(!FileManager.default.fileExists(atPath: box.root.appendingPathComponent("dry").path))
        }
    }

    @Test("--submit submits the array job, then the collect job with --dependency=afterok on it")
    func slurmSubmits() throws {
        try withSandbox { box in
            let bin = box.root.appendingPathComponent("bin")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            let calls = box.root.appendingPathComponent("sbatch-calls")
            let sbatch = bin.appendingPathComponent("sbatch")
            try "#!/bin/bash\necho \"$*\" >> '\(calls.path)'\necho \"$((40 + $(wc -l < '\(calls.path)')));testcluster\"\n".write(to: sbatch, atomically: true, encoding: .utf8)
            chmod(sbatch.path, 0o755)
            let path = bin.path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
            let result = try box.run(["figure", "fig5b", "--slurm", "--submit", "--tasks", "2", "--partition", "short", "--out", box.out.path], environment: ["PATH": path])
            try #require(result.status == 0, "\(result)")
            #expect(result.stdout.contains("submitted array job 41 (2 tasks) and collect job 42"), "\(result)")
            let out = box.out.standardizedFileURL.path
            #expect(try String(contentsOf: calls, encoding: .utf8)
                    == "--parsable \(out)/fig5b.sbatch\n--parsable --dependency=afterok:41 \(out)/fig5b.collect.sbatch\n")
        }
    }

    @Test("bad SLURM options are refused with exit 64 and nothing written", arguments: [
        (["--slurm", "--tasks", "0"], "--tasks"),
        (["--slurm", "--tasks", "9"], "more than the figure's 8 cells"),
        (["--slurm", "--cpus-per-task", "0"], "--cpus-per-task"),
        (["--slurm", "--time", "2 hours"], "--time"),
        (["--slurm", "--partition", "a;b"], "--partition"),
        (["--slurm", "--shard", "1/2"], "give no --shard"),
        (["--slurm", "--threads", "2"], "--cpus-per-task"),
        (["--slurm", "--resume"], "give no --resume"),
        (["--slurm", "--submit", "--dry-run"], "contradict"),
        (["--tasks", "4"], "--tasks goes with --slurm"),
        (["--submit"], "--submit goes with --slurm"),
    ])
    func badSlurmOptionsAreRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["figure", "fig5b"] + arguments + ["--out", box.out.path])
            #expect(result.status == 64, "\(result)")
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }

    @Test("--slurm refuses an --out holding shard checkpoints of another split")
    func slurmRefusesAnotherSplit() throws {
        try withSandbox { box in
            try FileManager.default.createDirectory(at: box.out, withIntermediateDirectories: true)
            FileManager.default.createFile(atPath: box.out.appendingPathComponent("fig5b.shard-1-of-3.checkpoint").path, contents: Data())
            let result = try box.run(["figure", "fig5b", "--slurm", "--tasks", "4", "--out", box.out.path])
            #expect(result.status == 64 && result.stderr.contains("3-way split"), "\(result)")
            #expect(try box.outEntries() == ["fig5b.shard-1-of-3.checkpoint"])
        }
    }
}
