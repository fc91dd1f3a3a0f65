import Foundation
import Studies

/// What `figure` and `compare` share as sweeps: a checkpoint per run or shard in --out, --resume, --shard k/n,
/// and --collect, which joins the shards' checkpoints once every shard is complete.
struct ShardedSweep {
    var cells: [Cell]
    var seed: UInt64
    var shard: Studies.Shard?
    var threads: Int
    var resume: Bool
    var baseName: String
    var output: OutputOptions
    /// The checkpoint of the whole run (nil) or of one shard; it proves the study's parameters.
    var checkpoint: (Studies.Shard?) throws -> Checkpoint

    /// Computes this process's cells (its shard's, minus those in the checkpoint with --resume), appending each
    /// to the checkpoint as it finishes; `label` words the progress line. Without --resume an old checkpoint is
    /// removed first. Returns the records of the shard's cells and how many came from the checkpoint.
    func run(label: @escaping @Sendable (SweepProgress) -> String,
             compute: @Sendable @escaping (Cell, UInt64) throws -> CellRecord) throws -> (records: [CellRecord], resumed: Int) {
        let checkpoint = try checkpoint(shard)
        if !resume { unlink(checkpoint.url.path) }
        let sweep = Sweep(cells: cells, seed: seed, shard: shard, threads: threads, checkpoint: checkpoint)
        let resumed = resume ? Set(try checkpoint.load().keys).intersection(sweep.ownCells.map(\.key)).count : 0
        let progress = ProgressLine()
        defer { progress.finish() }
        let records = try sweep.run(progress: { progress.update(label($0)) }, compute: compute)
        return (records, resumed)
    }

    /// The line a finished shard prints, then how to collect (`collectCommand`).
    func shardDone(_ shard: Studies.Shard, records: Int, resumed: Int, collectCommand: String) throws -> [String] {
        ["shard \(shard): \(records) of \(cells.count) cells in \(try checkpoint(shard).url.path) "
            + "(\(resumed) from the checkpoint, \(records - resumed) computed now)",
         "when every shard is done: \(collectCommand)"]
    }

    /// The shard counts n of the checkpoints `NAME.shard-k-of-n.checkpoint` in --out.
    func shardCounts() throws -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: try output.directory.url.path)) ?? []
        return ShardCollection.shardCounts(among: names, baseName: baseName)
    }

    /// The records of every cell from the shards' checkpoints in --out; names the shards that are missing or
    /// incomplete (and how to rerun them) otherwise.
    func collect() throws -> [CellRecord] {
        let directory = try output.directory
        let counts = try shardCounts()
        guard let count = counts.first else {
            throw CommandFailure("no shard checkpoints \(baseName).shard-k-of-n.checkpoint in \(directory.url.path); run the shards (--shard k/n, or --slurm for a figure) first")
        }
        guard counts.count == 1 else {
            throw CommandFailure("\(directory.url.path) holds shard checkpoints of \(baseName) split \(counts.map(String.init).joined(separator: " and ")) ways; keep the files of one split")
        }
        let collection = ShardCollection(cells: cells, count: count) { shard in
            let checkpoint = try checkpoint(shard)
            return FileManager.default.fileExists(atPath: checkpoint.url.path) ? try checkpoint.load() : nil
        }
        guard let records = collection.records(of: cells) else {
            let script = directory.file("\(baseName).sbatch")
            let rerun = FileManager.default.fileExists(atPath: script.path)
                ? "resubmit them: sbatch --array=\(collection.unfinished.map(String.init).joined(separator: ",")) \(ShellWord.quoted(script.path))"
                : "rerun each with --shard k/\(count) --resume"
            throw CommandFailure("\(collection.unfinished.count) of \(count) shards are not complete:\n  " + collection.problems.joined(separator: "\n  ") + "\n\(rerun)")
        }
        return records
    }
}
