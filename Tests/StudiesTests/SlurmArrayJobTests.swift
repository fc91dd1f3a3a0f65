import Foundation
import Testing
@testable import Studies

/// Runs `bash script` with `environment` added; returns its status and stdout lines.
func runBash(_ script: String, environment: [String: String] = [:]) throws -> (status: Int32, lines: [String]) {
    let directory = try scratchDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("job.sh")
    try script.write(to: file, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/bash")
    process.arguments = [file.path]
    process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("SLURM_") }.merging(environment) { $1 }
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (process.terminationStatus, output.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init))
}

@Suite("SLURM array job scripts")
struct SlurmArrayJobTests {
    /// A job whose "executable" is a script printing its arguments one per line, in a path with a space.
    func job(tasks: Int = 4, partition: String? = "short", time: String? = "1-12:00", cpus: Int = 2, executable: String) throws -> SlurmArrayJob {
        try SlurmArrayJob(jobName: "curldyn-fig4", tasks: tasks, partition: partition, time: time, cpusPerTask: cpus,
                          workingDirectory: "/home/u/run", logDirectory: "/home/u/run/out/slurm-logs", executable: executable,
                          taskArguments: ["figure", "fig4", "--name", "it's mine", "--out", "/home/u/run/out"],
                          collectArguments: ["figure", "fig4", "--out", "/home/u/run/out", "--collect"], logStem: "fig4")
    }

    func echoExecutable() throws -> URL {
        let directory = try scratchDirectory().appendingPathComponent("bin dir")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent("fake curldyn")
        try "#!/bin/bash\nprintf '%s\\n' \"$@\"\n".write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o755)
        return url
    }

    @Test("the array script's #SBATCH lines carry the array, resources, directory and per-task logs")
    func arrayDirectives() throws {
        let script = try job(executable: "/opt/curldyn").arrayScript
        let directives = script.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }
        #expect(directives == ["#SBATCH --job-name=curldyn-fig4", "#SBATCH --array=1-4", "#SBATCH --ntasks=1", "#SBATCH --cpus-per-task=2",
                               "#SBATCH --partition=short", "#SBATCH --time=1-12:00", "#SBATCH --chdir=/home/u/run",
                               "#SBATCH --output=/home/u/run/out/slurm-logs/fig4.%A_%a.log", "#SBATCH --open-mode=append", "#SBATCH --requeue"])
        #expect(script.hasPrefix("#!/bin/bash\n"))
        let collect = try job(executable: "/opt/curldyn").collectScript.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }
        #expect(!collect.contains { $0.hasPrefix("#SBATCH --array") } && collect.contains("#SBATCH --job-name=curldyn-fig4-collect"))
        #expect(collect.contains("#SBATCH --output=/home/u/run/out/slurm-logs/fig4.collect.%j.log") && collect.contains("#SBATCH --cpus-per-task=1"))
        let bare = try job(partition: nil, time: nil, executable: "/opt/curldyn").arrayScript
        #expect(!bare.contains("--partition") && !bare.contains("--time"))
    }

    @Test("array task k runs the executable with the task's arguments, --shard k/n and --resume, quoting intact")
    func arrayTaskRunsItsShard() throws {
        let executable = try echoExecutable()
        defer { try? FileManager.default.removeItem(at: executable.deletingLastPathComponent().deletingLastPathComponent()) }
        let job = try job(executable: executable.path)
        let task = try runBash(job.arrayScript, environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_JOB_ID": "77"])
        #expect(task.status == 0)
        #expect(task.lines.first?.hasPrefix("task 3/4 of job 77") == true, "\(task.lines)")
        #expect(Array(task.lines.dropFirst()) == job.taskArguments + ["--shard", "3/4", "--resume"])
        let collect = try runBash(job.collectScript)
        #expect(collect.status == 0 && collect.lines == job.collectArguments)
        // Outside an array job the script refuses to run.
        #expect(try runBash(job.arrayScript).status != 0)
    }

    @Test("the submit line submits the array, then the collect job after it")
    func submitLine() {
        #expect(SlurmArrayJob.submitLine(arrayScript: "/o/f.sbatch", collectScript: "/o/my dir/f.collect.sbatch")
                == "jobid=$(sbatch --parsable /o/f.sbatch) && sbatch --dependency=afterok:${jobid%%;*} '/o/my dir/f.collect.sbatch'")
    }

    @Test("sbatch's time forms are accepted, anything else refused", arguments: [
        ("10", true), ("10:30", true), ("2:00:00", true), ("1-0", true), ("1-12:00", true), ("1-12:00:00", true), ("0:30", true),
        ("0", false), ("0:00:00", false), ("90 min", false), ("1:60", false), ("1:60:00", false), ("1-24", false), ("", false),
        ("1:2:3:4", false), ("-5", false), ("1h", false), ("1-2-3", false), ("１０", false),
    ])
    func timeLimits(text: String, valid: Bool) {
        #expect(SlurmArrayJob.isTimeLimit(text) == valid, "\(text)")
    }

    @Test("invalid tasks, CPUs, partitions, times and paths are refused")
    func invalidOptionsAreRefused() {
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(tasks: 0, executable: "/x") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(cpus: 0, executable: "/x") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(partition: "a b", executable: "/x") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(partition: "a;rm", executable: "/x") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(time: "forever", executable: "/x") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) { try job(executable: "relative/curldyn") }
        #expect(throws: SlurmArrayJob.InvalidOption.self) {
            try SlurmArrayJob(jobName: "j", tasks: 2, workingDirectory: "/a b", logDirectory: "/l", executable: "/x",
                              taskArguments: [], collectArguments: [], logStem: "j")
        }
        #expect((try? job(partition: "short,long", executable: "/x")) != nil)
    }

    @Test("a quoted word reads back as itself in bash", arguments: ["plain", "two words", "it's", "$HOME", "a\"b", "", "é", "*", "x;y"])
    func shellWordRoundTrips(word: String) throws {
        let result = try runBash("printf '%s\\n' \(ShellWord.quoted(word))")
        #expect(result.lines == [word])
    }
}

@Suite("collecting shards")
struct ShardCollectionTests {
    let cells = Cell.grid([("c", [0.1, 0.3, 1.0]), ("init", [0, 1, 2, 3])])  // 12 cells; 3 shards of 4

    func record(_ cell: Cell) -> CellRecord { CellRecord(key: cell.key, values: ["index": Double(cell.index)]) }

    func records(of shard: Shard, keeping: Int? = nil) -> [String: CellRecord] {
        let own = cells.filter(shard.contains).prefix(keeping ?? .max)
        return Dictionary(uniqueKeysWithValues: own.map { ($0.key, record($0)) })
    }

    @Test("complete shards give every record in grid order")
    func completeShards() {
        let collection = ShardCollection(cells: cells, count: 3) { records(of: $0) }
        #expect(collection.isComplete && collection.problems.isEmpty && collection.unfinished.isEmpty)
        #expect(collection.records(of: cells)?.map { $0.values["index"]! } == cells.map { Double($0.index) })
    }

    @Test("a shard without checkpoint, one cut short and an unusable one are each named, and nothing is returned")
    func unfinishedShardsAreNamed() {
        struct Foreign: Error, CustomStringConvertible { var description: String { "another sweep's" } }
        let collection = ShardCollection(cells: cells, count: 4) { shard in
            switch shard.index {
            case 0: return records(of: shard)
            case 1: return records(of: shard, keeping: 1)
            case 2: return nil
            default: throw Foreign()
            }
        }
        #expect(collection.statuses == [.complete(cells: 3), .incomplete(done: 1, cells: 3), .absent(cells: 3), .unusable("another sweep's")])
        #expect(collection.unfinished == [2, 3, 4])
        #expect(collection.problems == ["shard 2/4: incomplete, 1 of 3 cells done, 2 missing", "shard 3/4: missing, no checkpoint (3 cells to compute)",
                                        "shard 4/4: unusable checkpoint: another sweep's"])
        #expect(collection.records(of: cells) == nil)
    }

    @Test("records of other shards in a checkpoint do not count for this one")
    func foreignRecordsDoNotCount() {
        let collection = ShardCollection(cells: cells, count: 2) { shard in shard.index == 0 ? records(of: Shard(index: 1, count: 2)) : records(of: shard) }
        #expect(collection.statuses[0] == .incomplete(done: 0, cells: 6))
    }

    @Test("shard counts are read from NAME.shard-k-of-n.checkpoint names only")
    func shardCounts() {
        let names = ["fig4.shard-1-of-4.checkpoint", "fig4.shard-3-of-4.checkpoint", "fig4.shard-2-of-8.checkpoint", "fig4.shard-9-of-8.checkpoint",
                     "fig4.checkpoint", "fig4b.shard-1-of-2.checkpoint", "fig4.shard-1-of-3.dat", "fig4.shard-x-of-3.checkpoint"]
        #expect(ShardCollection.shardCounts(among: names, baseName: "fig4") == [4, 8])
        #expect(ShardCollection.shardCounts(among: [], baseName: "fig4") == [])
    }
}
