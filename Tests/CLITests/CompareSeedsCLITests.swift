import Foundation
import Testing

/// `compare`'s per-seed table, the numbers behind every statistic, and its seeds as a sharded, resumable sweep.
@Suite("curldyn compare: per-seed outputs, shards and resuming")
struct CompareSeedsCLITests {
    @Test("NAME_seeds.dat holds each seed's time to threshold; their mean and standard error are the stats file's")
    func perSeedTimesReproduceTheStatistics() throws {
        try withSandbox { box in
            let result = try box.run(["compare", "-M", "6", "-N", "4", "--train-size", "30", "--t-final", "20", "--points", "30", "--seeds", "5",
                                      "--threshold", "1e-2", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let seeds = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_seeds.dat"))
            let stats = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_stats.dat"))
            #expect(seeds.sets.count == 2)
            for (set, rule) in zip(seeds.sets, stats.sets) {
                #expect(set.column(0) == [1, 2, 3, 4, 5], "\(set.title)")
                let times = set.column(1)
                let mean = times.reduce(0, +) / Double(times.count)
                let sd = (times.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(times.count - 1)).squareRoot()
                #expect(agree(mean, rule.rows[0][1], tolerance: 1e-12), "\(set.title): mean \(mean) vs \(rule.rows[0][1])")
                #expect(agree(sd / Double(times.count).squareRoot(), rule.rows[0][2], tolerance: 1e-9) || rule.rows[0][2] == 0, "\(set.title)")
                #expect(set.column(2).reduce(0, +) == rule.rows[0][3], "\(set.title): reached")
            }
        }
    }

    static let small = ["compare", "-M", "6", "-N", "4", "--train-size", "30", "--t-final", "20", "--points", "30", "--seeds", "5",
                        "--rule", "gd", "curl", "--flip-hidden", "1", "--threshold", "1e-2", "--no-plot"]

    @Test("seeds run in three shards and collected give exactly the data lines of the unsharded run, and the same JSON results")
    func collectedShardsEqualTheUnshardedRun() throws {
        try withSandbox { box in
            let sharded = box.root.appendingPathComponent("sharded")
            for (k, count) in [(3, 1), (1, 2), (2, 2)] {
                let shard = try box.run(Self.small + ["--shard", "\(k)/3", "--out", sharded.path])
                try #require(shard.status == 0, "\(shard)")
                #expect(shard.stdout.contains("(0 from the checkpoint, \(count) computed now)"), "\(shard)")
                #expect(shard.stdout.contains("--collect") && !shard.stdout.contains("--shard"), "the collect line: \(shard)")
            }
            let collect = try box.run(Self.small + ["--collect", "--json", "--out", sharded.path])
            try #require(collect.status == 0, "\(collect)")
            let whole = try box.run(Self.small + ["--json", "--out", box.out.path])
            try #require(whole.status == 0, "\(whole)")
            let expected = try dataFiles(in: box.out)
            #expect(expected.count == 3 && expected.values.allSatisfy { $0.contains { !$0.isEmpty } })
            #expect(try dataFiles(in: sharded) == expected, "collected shards differ from the unsharded run")
            let results = { (text: String) throws -> NSDictionary in
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
                return object["results"] as! NSDictionary
            }
            #expect(try results(collect.stdout) == results(whole.stdout))
        }
    }

    @Test("--collect names missing and incomplete shards and writes nothing; --resume completes a shard without redoing its seeds")
    func unfinishedShardsAreNamedAndResume() throws {
        try withSandbox { box in
            let run = Self.small + ["--out", box.out.path]
            try #require(try box.run(run + ["--shard", "1/2"]).status == 0)
            // Shard 1 loses its last seed, as if killed before it finished; shard 2 never ran.
            let checkpoint = box.out.appendingPathComponent("compare.shard-1-of-2.checkpoint")
            let lines = try String(contentsOf: checkpoint, encoding: .utf8).split(separator: "\n")
            try (lines.dropLast().joined(separator: "\n") + "\n").write(to: checkpoint, atomically: true, encoding: .utf8)
            let collect = try box.run(run + ["--collect"])
            #expect(collect.status == 1, "\(collect)")
            #expect(collect.stderr.contains("shard 1/2: incomplete, 2 of 3 cells done, 1 missing"), "\(collect)")
            #expect(collect.stderr.contains("shard 2/2: missing, no checkpoint (2 cells to compute)"), "\(collect)")
            #expect(try dataFiles(in: box.out).isEmpty)
            let resumed = try box.run(run + ["--shard", "1/2", "--resume"])
            #expect(resumed.stdout.contains("(2 from the checkpoint, 1 computed now)"), "\(resumed)")
            try #require(try box.run(run + ["--shard", "2/2"]).status == 0)
            try #require(try box.run(run + ["--collect"]).status == 0)
            let whole = box.root.appendingPathComponent("whole")
            try #require(try box.run(Self.small + ["--out", whole.path]).status == 0)
            #expect(try dataFiles(in: box.out) == dataFiles(in: whole))
        }
    }

    @Test("a checkpoint of other options is refused, not mixed in: the seeds' runs depend on every option")
    func checkpointOfOtherOptionsIsRefused() throws {
        try withSandbox { box in
            try #require(try box.run(Self.small + ["--shard", "1/2", "--out", box.out.path]).status == 0)
            let other = try box.run(Self.small + ["--threshold", "1e-3", "--shard", "1/2", "--resume", "--out", box.out.path])
            #expect(other.status != 0 && other.stderr.contains("checkpoint of another sweep"), "\(other)")
        }
    }

    @Test("--slurm writes an array job whose tasks run this comparison's shards with --resume and a collect job, and prints the sbatch line")
    func slurmWritesTheArrayAndCollectJobs() throws {
        try withSandbox { box in
            let result = try box.run(Self.small + ["--slurm", "--tasks", "2", "--time", "10", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            #expect(try box.outEntries() == ["compare.collect.sbatch", "compare.sbatch", "slurm-logs"])
            let array = try String(contentsOf: box.out.appendingPathComponent("compare.sbatch"), encoding: .utf8)
            let collect = try String(contentsOf: box.out.appendingPathComponent("compare.collect.sbatch"), encoding: .utf8)
            #expect(array.contains("#SBATCH --array=1-2") && array.contains("#SBATCH --time=10"), "\(array)")
            #expect(array.contains("compare -M 6 -N 4") && array.contains("--out \(box.out.path) --shard \"${SLURM_ARRAY_TASK_ID}/2\" --resume"), "\(array)")
            #expect(!array.contains("--slurm") && !array.contains("--tasks") && !array.contains("--no-plot"), "\(array)")
            #expect(collect.contains("--out \(box.out.path) --collect --no-plot") && !collect.contains("--shard"), "\(collect)")
            #expect(result.stdout.contains("sbatch --dependency=afterok:"), "\(result)")
        }
    }

    @Test("compare's SLURM options are refused where they make no sense, with exit 64 and nothing written",
          arguments: [(["--slurm", "--tasks", "6"], "more than the 5 seeds"), (["--slurm", "--shard", "1/2"], "give no --shard"),
                      (["--slurm", "--threads", "2"], "--cpus-per-task"), (["--slurm", "--time", "2 hours"], "--time"),
                      (["--slurm", "--submit", "--dry-run"], "contradict"), (["--tasks", "2"], "--tasks goes with --slurm"),
                      (["--dry-run"], "--dry-run goes with --slurm")])
    func badSlurmOptionsAreRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(Self.small + arguments + ["--out", box.out.path])
            #expect(result.status == 64 && result.stderr.contains(message), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
