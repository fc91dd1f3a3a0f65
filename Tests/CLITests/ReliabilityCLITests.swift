import Foundation
import GnuplotIO
import Testing

// The tool holds under anything a user or a batch scheduler throws at it: impossible sizes are refused before
// anything is allocated, output paths are checked before any computation, a figure problem never loses the data
// or the summary, interrupted and concurrent runs leave whole sets of files and no temporaries.

/// A fake `gnuplot` on PATH: a shell script with `body`, in its own directory.
func fakeGnuplot(in box: Sandbox, body: String) throws -> String {
    let directory = box.root.appendingPathComponent("fakebin")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let script = directory.appendingPathComponent("gnuplot")
    try "#!/bin/sh\n\(body)\n".write(to: script, atomically: true, encoding: .utf8)
    chmod(script.path, 0o755)
    return directory.path + ":/usr/bin:/bin"
}

/// Hidden entries of `out` (temporaries, journals).
func hiddenEntries(_ box: Sandbox) throws -> [String] {
    (try box.outEntries() ?? []).filter { $0.hasPrefix(".") }
}

/// Waits up to `seconds` for `condition`.
func waitFor(_ seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(20_000)
    }
    return condition()
}

func processIsAlive(_ pid: Int32) -> Bool {
    guard kill(pid, 0) == 0 else { return false }
    // A zombie (exited, not yet reaped by its new parent) counts as dead.
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return !(stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false)
}

@Suite("reliability: sizes, outputs, figures, interruptions")
struct ReliabilityCLITests {
    static let small = ["-M", "4", "-N", "6", "--t-final", "5", "--points", "20"]

    // MARK: - Sizes are checked before allocating

    @Test("impossible sizes are refused before allocating: exit 64, the estimate and the limit named, nothing written", arguments: [
        ["integrate", "-M", "1000000", "-N", "1000000"],
        ["compare", "-M", "1000000", "-N", "1000000", "--seeds", "2"],
        ["stability", "-M", "100000", "-N", "10"],
        ["critical", "--c", "0.3", "--sizes", "1000000"],
        ["spectrum", "--c", "0.5", "--alpha", "0.5", "--sample-hidden", "1000000"],
        ["spectrum", "--c", "0.5", "--alpha", "0.5", "--bins", "4000000000"],
        ["np-variance", "--evaluation-per-cluster", "100000000"],
        ["loco-learn", "--batch-size", "100000000"],
        ["np-curl", "-M", "100000", "-N", "100000", "--steps", "1"],
        ["bench", "--gemm-size", "1000000"],
        ["phase-diagram", "--empirical", "1000000"],
        ["phase-diagram", "--c-points", "10000000"],
    ])
    func impossibleSizesAreRefused(_ arguments: [String]) throws {
        try withSandbox { box in
            let out = arguments[0] == "bench" ? [] : ["--out", box.out.path]
            let result = try box.run(arguments + out, timeout: 20)
            #expect(result.exitedNormally && result.status == 64, "\(result)")
            // bench has a fixed range (its matrices are a benchmark's, not a user's science); the others name the estimate.
            let message = arguments[0] == "bench" ? result.stderr.contains("--gemm-size must lie in 1...4096 (three N x N matrices")
                                                  : result.stderr.contains("needs about") && result.stderr.contains("limit")
            #expect(message, "\(result)")
            #expect(try box.outEntries() == nil, "files written")
        }
    }

    @Test("CURLDYN_MAX_MEMORY sets the limit: a small run is refused under 1M and runs under the default")
    func memoryLimitFollowsTheEnvironment() throws {
        try withSandbox { box in
            let arguments = ["integrate", "-M", "200", "-N", "300", "--t-final", "1", "--points", "5", "--no-plot", "--out", box.out.path]
            let refused = try box.run(arguments, environment: ["CURLDYN_MAX_MEMORY": "1M"])
            #expect(refused.status == 64 && refused.stderr.contains("CURLDYN_MAX_MEMORY"), "\(refused)")
            #expect(try box.outEntries() == nil)
            let ran = try box.run(arguments, environment: ["CURLDYN_MAX_MEMORY": "1G"])
            #expect(ran.status == 0, "\(ran)")
        }
    }

    // MARK: - Divergence: kept out, marked, never written

    @Test("compare: seeds whose run diverges are left out of that rule's statistics and named; the other rule's stand; exit 0")
    func compareKeepsFinishedRules() throws {
        try withSandbox { box in
            let result = try box.run(["compare", "-M", "4", "-N", "6", "--train-size", "20", "--alpha-r", "1", "--alpha-h", "1", "--t-final", "10",
                                      "--seeds", "3", "--no-plot", "--json", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr.contains("warning: rule curl: 3 of 3 seeds diverged"), "\(result)")
            let rules = try #require(try parseJSONObject(result.stdout)["rules"] as? [[String: Any]])
            #expect(rules[0]["diverged_seeds"] as? [Int] == [] && rules[1]["diverged_seeds"] as? [Int] == [1, 2, 3])
            #expect(jsonDouble(rules[0]["mean_time"]).map { $0 > 0 && $0 < 10 } == true)
            #expect(rules[1]["mean_time"] is NSNull)
            let stats = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_stats.dat"))
            #expect(stats.sets.map { $0.rows[0][5] } == [0, 3], "the diverged column")
            let curves = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_curves.dat"))
            #expect(curves.sets[0].rows.allSatisfy { $0.allSatisfy(\.isFinite) } && curves.sets[1].rows.isEmpty)
        }
    }

    @Test("compare --stop-loss never changes a statistic: the same times, seeds reached and t-test, from shorter runs")
    func compareStopLossKeepsStatistics() throws {
        try withSandbox { box in
            let base = ["compare", "--protocol", "discrete", "-M", "6", "-N", "4", "--train-size", "30", "--epochs", "3000", "--points", "50",
                        "--seeds", "4", "--on", "test", "--threshold", "1e-3", "--no-plot", "--out", box.out.path]
            let full = try box.run(base + ["--name", "full"])
            let stopped = try box.run(base + ["--stop-loss", "1e-3", "--name", "stopped"])
            try #require(full.status == 0 && stopped.status == 0, "\(full)\n\(stopped)")
            #expect(try dataLines(of: box.out.appendingPathComponent("full_stats.dat")) == dataLines(of: box.out.appendingPathComponent("stopped_stats.dat")))
            let fullCurves = try DataFileContents(contentsOf: box.out.appendingPathComponent("full_curves.dat"))
            let stoppedCurves = try DataFileContents(contentsOf: box.out.appendingPathComponent("stopped_curves.dat"))
            #expect(stoppedCurves.sets[0].rows.count < fullCurves.sets[0].rows.count, "the stopped runs end earlier")
            // The continuous flow cannot stop on the test loss without changing its crossing: refused.
            let refused = try box.run(["compare", "-M", "6", "-N", "4", "--train-size", "30", "--t-final", "10", "--seeds", "2", "--on", "test",
                                       "--stop-loss", "1e-3", "--no-plot", "--out", box.root.appendingPathComponent("other").path])
            #expect(refused.status == 64 && refused.stderr.contains("--stop-loss"), "\(refused)")
        }
    }

    // MARK: - Output paths are checked before any computation

    @Test("an --out that cannot hold files is refused before computing: exit 64, a clear message", arguments: ["file", "/proc/x", "/dev/null", "file/sub"])
    func unusableOutputDirectoryIsRefused(_ out: String) throws {
        try withSandbox { box in
            let file = box.root.appendingPathComponent("file")
            try "not a directory".write(to: file, atomically: true, encoding: .utf8)
            let path = out.hasPrefix("/") ? out : box.root.appendingPathComponent(out).path
            // A compare that would take long if it ran: the refusal comes first.
            let result = try box.run(["compare", "-M", "30", "-N", "40", "--train-size", "200", "--t-final", "1e5", "--seeds", "8", "--out", path], timeout: 20)
            #expect(result.exitedNormally && result.status == 64, "\(result)")
            #expect(result.stderr.hasPrefix("Error: --out:"), "\(result)")
            #expect(!result.stderr.contains("NSCocoaErrorDomain"), "\(result)")
            #expect(try String(contentsOf: file, encoding: .utf8) == "not a directory")
        }
    }

    @Test("merge --output naming a directory is refused with exit 64")
    func mergeIntoADirectoryIsRefused() throws {
        try withSandbox { box in
            try FileManager.default.createDirectory(at: box.out, withIntermediateDirectories: true)
            let result = try box.run(["merge", "a.shard-1-of-1.dat", "--output", box.out.path])
            #expect(result.status == 64 && result.stderr.contains("is a directory"), "\(result)")
        }
    }

    // MARK: - Headers hold one line per line

    @Test("control characters in arguments are escaped in the # header, so every header line stays a comment")
    func headerEscapesNewlines() throws {
        try withSandbox { box in
            let out = box.root.appendingPathComponent("out\nx")
            let result = try box.run(["integrate"] + Self.small + ["--no-plot", "--out", out.path])
            try #require(result.status == 0, "\(result)")
            let text = try String(contentsOf: out.appendingPathComponent("integrate.dat"), encoding: .utf8)
            let file = try DataFileContents(parsing: text)
            let command = try #require(file.headerValue("command"))
            #expect(command.contains("out\\nx"), "\(command)")
            #expect(file.sets.count == 2)
            // A name with a newline: the file is named as asked, its header stays comments.
            let named = try box.run(["integrate"] + Self.small + ["--no-plot", "--name", "a\nb", "--out", box.out.path])
            try #require(named.status == 0, "\(named)")
            let other = try DataFileContents(contentsOf: box.out.appendingPathComponent("a\nb.dat"))
            #expect(other.headerValue("command")?.contains("a\\nb") == true)
        }
    }

    // MARK: - One --json shape

    @Test("every command's --json is one object with the same keys: version, command, parameters, files, results", arguments: [
        ["integrate", "-M", "4", "-N", "6", "--t-final", "5", "--points", "10"],
        ["compare", "-M", "4", "-N", "6", "--train-size", "20", "--t-final", "5", "--points", "10", "--seeds", "2"],
        ["stability", "-M", "4", "-N", "6"],
        ["critical", "--c", "0.3"],
        ["spectrum", "--c", "0.3", "--alpha", "0.3"],
        ["phase-diagram", "--c-points", "10", "--alpha-points", "10"],
        ["np-variance", "--draws", "40", "--evaluation-per-cluster", "5"],
        ["loco-learn", "--steps", "20", "--lr-points", "2", "--methods", "sgd", "np"],
        ["np-sweep", "--parameter", "sigma", "--values", "0.01", "--draws", "20"],
        ["np-curl", "--steps", "20"],
    ])
    func jsonHasOneShape(_ arguments: [String]) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--json", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let envelope = try parseJSONEnvelope(result.stdout)
            #expect(envelope["command"] as? String == arguments[0])
            #expect(envelope["toolkit"] as? String == "curldyn")
            #expect((envelope["parameters"] as? [String: String])?.isEmpty == false)
            let files = try #require(envelope["files"] as? [String: String])
            #expect(!files.isEmpty && files.values.allSatisfy { FileManager.default.fileExists(atPath: $0) }, "\(files)")
            #expect(envelope["figure"] is NSNull, "--no-plot")
            #expect(envelope["results"] is [String: Any])
        }
    }

    // MARK: - A figure problem never loses results

    @Test("valid science that used to break gnuplot renders: every c above 1, a single c, no stable rate, a zero loss, one epoch",
          arguments: [
              (["critical", "--layer", "readout", "--c", "26.9"], "critical.png"),
              (["phase-diagram", "--c-min", "1", "--c-max", "1", "--c-points", "5", "--alpha-points", "20"], "phase_hidden.png"),
              (["loco-learn", "--lr-min", "1", "--lr-max", "1000", "--lr-points", "2", "--steps", "50", "--methods", "sgd", "np"], "loco_learn.png"),
              (["integrate", "-M", "4", "-N", "6", "--start", "teacher", "--perturbation", "0", "--train-size", "20", "--t-final", "10"], "integrate.png"),
              (["integrate", "-M", "4", "-N", "6", "--train-size", "20", "--protocol", "discrete", "--epochs", "1"], "integrate.png"),
              (["compare", "-M", "4", "-N", "6", "--train-size", "20", "--protocol", "discrete", "--epochs", "1", "--seeds", "2"], "compare.png"),
          ])
    func edgeCasesRender(arguments: [String], figure: String) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            #expect(result.status == 0 && !result.stderr.contains("not rendered"), "\(result)")
            let size = (try? FileManager.default.attributesOfItem(atPath: box.out.appendingPathComponent(figure).path)[.size] as? Int) ?? 0
            #expect(size > 1000, "no figure")
        }
    }

    @Test("without gnuplot on PATH: data and summary delivered, a warning, exit 3")
    func missingGnuplotKeepsResults() throws {
        try withSandbox { box in
            let emptyBin = box.root.appendingPathComponent("emptybin")
            try FileManager.default.createDirectory(at: emptyBin, withIntermediateDirectories: true)
            let result = try box.run(["integrate"] + Self.small + ["--out", box.out.path, "--figures", repositoryFigures.path],
                                     environment: ["PATH": emptyBin.path])
            #expect(result.exitedNormally && result.status == 3, "\(result)")
            #expect(result.stderr.contains("warning: figure integrate.png not rendered") && result.stderr.contains("gnuplot"), "\(result)")
            #expect(result.stdout.contains("gd: ") && result.stdout.contains("data: "), "\(result)")
            #expect(try box.outEntries() == ["integrate.dat"])
        }
    }

    @Test("a gnuplot error: its message in the warning and the JSON, data kept, an older figure of that name removed, exit 3")
    func failingGnuplotKeepsResults() throws {
        try withSandbox { box in
            let base = ["integrate"] + Self.small + ["--out", box.out.path, "--figures", repositoryFigures.path]
            let first = try box.run(base)
            try #require(first.status == 0 && (try box.outEntries()) == ["integrate.dat", "integrate.png"], "\(first)")
            let path = try fakeGnuplot(in: box, body: "echo 'line 7: fake failure' >&2; exit 1")
            let result = try box.run(base + ["--seed", "2", "--json"], environment: ["PATH": path])
            #expect(result.status == 3, "\(result)")
            #expect(result.stderr.contains("fake failure"), "\(result)")
            let envelope = try parseJSONEnvelope(result.stdout)
            #expect((envelope["figure_error"] as? String)?.contains("fake failure") == true)
            #expect(envelope["figure"] is NSNull)
            #expect(try box.outEntries() == ["integrate.dat"], "the old figure would show another run")
            #expect(try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat")).headerValue("seed") == "2")
        }
    }

    @Test("a hung gnuplot is killed after CURLDYN_GNUPLOT_TIMEOUT seconds: data and summary delivered, exit 3")
    func hungGnuplotIsKilled() throws {
        try withSandbox { box in
            let pidFile = box.root.appendingPathComponent("gnuplot.pid")
            let path = try fakeGnuplot(in: box, body: "echo $$ > '\(pidFile.path)'; exec sleep 60")
            let started = Date()
            let result = try box.run(["integrate"] + Self.small + ["--out", box.out.path, "--figures", repositoryFigures.path],
                                     environment: ["PATH": path, "CURLDYN_GNUPLOT_TIMEOUT": "1"], timeout: 30)
            #expect(Date().timeIntervalSince(started) < 20)
            #expect(result.status == 3 && result.stderr.contains("did not finish"), "\(result)")
            #expect(result.stdout.contains("data: "), "\(result)")
            let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
            #expect(waitFor(2) { !processIsAlive(pid) }, "gnuplot still runs")
            #expect(try hiddenEntries(box) == [])
        }
    }

    // MARK: - Batch logs

    @Test("without a terminal, long work logs plain progress lines every CURLDYN_PROGRESS_INTERVAL seconds (none for a short run)")
    func batchRunsLogProgress() throws {
        try withSandbox { box in
            let arguments = ["compare", "-M", "4", "-N", "6", "--train-size", "20", "--t-final", "50", "--seeds", "6", "--threads", "1",
                             "--no-plot", "--out", box.out.path]
            let logged = try box.run(arguments, environment: ["CURLDYN_PROGRESS_INTERVAL": "0.001"])
            #expect(logged.status == 0, "\(logged)")
            #expect(logged.stderr.contains("progress (") && logged.stderr.contains("compare: "), "\(logged)")
            #expect(!logged.stderr.contains("\u{1B}"), "no terminal escapes in a log")
            let quiet = try box.run(arguments)
            #expect(quiet.status == 0 && quiet.stderr.isEmpty, "\(quiet)")
        }
    }

    // MARK: - Interruptions

    /// Starts `curldyn integrate` into the sandbox with a fake gnuplot that records its pid and hangs; returns
    /// the process and gnuplot's pid once gnuplot runs (so the data are already written).
    func startRunHangingInGnuplot(_ box: Sandbox) throws -> (Process, Int32) {
        let pidFile = box.root.appendingPathComponent("gnuplot.pid")
        let path = try fakeGnuplot(in: box, body: "echo $$ > '\(pidFile.path)'; exec sleep 60")
        let process = Process()
        process.executableURL = try #require(curldynExecutable)
        process.arguments = ["integrate"] + Self.small + ["--out", box.out.path, "--figures", repositoryFigures.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["PATH": path]) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        try #require(waitFor(30) { (try? String(contentsOf: pidFile, encoding: .utf8))?.hasSuffix("\n") == true }, "gnuplot never started")
        let pid = try #require(Int32(String(contentsOf: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)))
        return (process, pid)
    }

    @Test("TERM or INT during rendering: gnuplot killed, no temporary left, the data complete, ended by the signal", arguments: [SIGTERM, SIGINT])
    func interruptCleansUp(_ sig: Int32) throws {
        try withSandbox { box in
            let (process, gnuplot) = try startRunHangingInGnuplot(box)
            kill(process.processIdentifier, sig)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == sig)
            #expect(waitFor(2) { !processIsAlive(gnuplot) }, "gnuplot survived its parent")
            #expect(try hiddenEntries(box) == [], "temporaries left")
            #expect(try box.outEntries() == ["integrate.dat"])
            #expect(try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat")).sets.count == 2)
        }
    }

    @Test("KILL during rendering: gnuplot dies with its parent, and the next run in the directory removes the stale temporaries")
    func killLeavesNothingTheNextRunKeeps() throws {
        try withSandbox { box in
            let (process, gnuplot) = try startRunHangingInGnuplot(box)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(waitFor(2) { !processIsAlive(gnuplot) }, "gnuplot orphaned")
            #expect(try hiddenEntries(box) != [], "a KILL cannot clean up; this test expects its leftovers")
            let next = try box.run(["integrate"] + Self.small + ["--name", "next", "--no-plot", "--out", box.out.path])
            #expect(next.status == 0, "\(next)")
            #expect(try hiddenEntries(box) == [], "stale temporaries kept")
        }
    }

    @Test("concurrent runs with the same names leave one run's complete set: the data's seed is every state's seed")
    func concurrentRunsLeaveOneSet() throws {
        try withSandbox { box in
            let executable = try #require(curldynExecutable)
            let processes = try (1...4).map { seed -> Process in
                let process = Process()
                process.executableURL = executable
                process.arguments = ["integrate"] + Self.small + ["--seed", "\(seed)", "--save-state", "--no-plot", "--name", "same", "--out", box.out.path]
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                return process
            }
            for p in processes { p.waitUntilExit() }
            #expect(processes.allSatisfy { $0.terminationStatus == 0 })
            #expect(try box.outEntries() == ["same.dat", "same_curl.state", "same_gd.state"])
            let seed = try DataFileContents(contentsOf: box.out.appendingPathComponent("same.dat")).headerValue("seed")
            for state in ["same_curl.state", "same_gd.state"] {
                let text = try String(contentsOf: box.out.appendingPathComponent(state), encoding: .utf8)
                #expect(text.contains("# seed: \(seed ?? "?")\n"), "\(state) comes from another run than same.dat (seed \(seed ?? "?"))")
            }
        }
    }
}

/// `OutputDirectory`'s recovery of commits that a SIGKILL interrupted.
@Suite("output sets: recovery of killed commits")
struct OutputDirectoryRecoveryTests {
    /// A pid no process has (above Linux's largest pid).
    static let deadPID = 99_999_999

    func withDirectory(_ body: (URL) throws -> Void) throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("curldyn-recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try body(root)
    }

    @Test("a complete journal of a dead run is rolled forward: its whole set appears, and nothing hidden stays")
    func completeJournalRollsForward() throws {
        try withDirectory { dir in
            try "old a".write(to: dir.appendingPathComponent("a.dat"), atomically: true, encoding: .utf8)
            try "old b".write(to: dir.appendingPathComponent("b.dat"), atomically: true, encoding: .utf8)
            // The killed run had renamed a.dat already; b.dat's rename was pending.
            try "new a".write(to: dir.appendingPathComponent("a.dat"), atomically: true, encoding: .utf8)
            let tb = ".b.dat.\(Self.deadPID).0123ABCD.tmp"
            try "new b".write(to: dir.appendingPathComponent(tb), atomically: true, encoding: .utf8)
            try ".a.dat.\(Self.deadPID).89ABCDEF.tmp\ta.dat\n\(tb)\tb.dat\nend\n"
                .write(to: dir.appendingPathComponent(".curldyn-commit.\(Self.deadPID).0F0F0F0F.journal"), atomically: true, encoding: .utf8)
            try OutputDirectory(checking: dir.path).commit([("c.dat", Data("c".utf8))])
            #expect(try String(contentsOf: dir.appendingPathComponent("b.dat"), encoding: .utf8) == "new b")
            #expect(try String(contentsOf: dir.appendingPathComponent("a.dat"), encoding: .utf8) == "new a")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["a.dat", "b.dat", "c.dat"])
        }
    }

    @Test("an incomplete journal (killed while writing it) is undone: no file of that run replaces an old one")
    func incompleteJournalIsUndone() throws {
        try withDirectory { dir in
            try "old b".write(to: dir.appendingPathComponent("b.dat"), atomically: true, encoding: .utf8)
            let tb = ".b.dat.\(Self.deadPID).0123ABCD.tmp"
            try "new b".write(to: dir.appendingPathComponent(tb), atomically: true, encoding: .utf8)
            try "\(tb)\tb.dat\n".write(to: dir.appendingPathComponent(".curldyn-commit.\(Self.deadPID).0F0F0F0F.journal"), atomically: true, encoding: .utf8)
            try OutputDirectory(checking: dir.path).commit([("c.dat", Data("c".utf8))])
            #expect(try String(contentsOf: dir.appendingPathComponent("b.dat"), encoding: .utf8) == "old b")
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["b.dat", "c.dat"])
        }
    }

    @Test("a temporary of a live process is left alone; one of a dead process is removed")
    func onlyDeadProcessesTemporariesAreRemoved() throws {
        try withDirectory { dir in
            let live = ".x.dat.1.0123ABCD.tmp"  // pid 1 always lives
            let dead = ".x.dat.\(Self.deadPID).0123ABCD.tmp.png"
            for name in [live, dead] { try "t".write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8) }
            try OutputDirectory(checking: dir.path).commit([("c.dat", Data("c".utf8))])
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [live, "c.dat"])
        }
    }
}

/// `curldyn merge` trusts nothing it reads.
@Suite("merge checks every shard")
struct MergeChecksTests {
    static let grid = ["phase-diagram", "--layer", "hidden", "--c-points", "30", "--alpha-points", "10", "--no-plot"]

    func shards(_ box: Sandbox, count: Int, grid: [String] = Self.grid) throws -> [URL] {
        try (1...count).map { k in
            let result = try box.run(grid + ["--shard", "\(k)/\(count)", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            return box.out.appendingPathComponent("phase_hidden.shard-\(k)-of-\(count).dat")
        }
    }

    func merge(_ box: Sandbox, _ files: [URL]) throws -> (CLIResult, URL) {
        let output = box.root.appendingPathComponent("merged.dat")
        return (try box.run(["merge"] + files.map(\.path) + ["--output", output.path]), output)
    }

    @Test("a truncated shard is refused and nothing is written")
    func truncatedShardIsRefused() throws {
        try withSandbox { box in
            let files = try shards(box, count: 2)
            let text = try String(contentsOf: files[1], encoding: .utf8)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            try (lines.prefix(lines.count - 20).joined(separator: "\n") + "\n").write(to: files[1], atomically: true, encoding: .utf8)
            let (result, output) = try merge(box, files)
            #expect(result.status != 0 && result.stderr.contains("incomplete"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    @Test("shard 1 copied under shard 2's name is refused")
    func misnamedShardIsRefused() throws {
        try withSandbox { box in
            let files = try shards(box, count: 2)
            try FileManager.default.removeItem(at: files[1])
            try FileManager.default.copyItem(at: files[0], to: files[1])
            let (result, output) = try merge(box, files)
            #expect(result.status != 0 && result.stderr.contains("header says otherwise"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    @Test("an empty file named like a shard is refused")
    func emptyShardIsRefused() throws {
        try withSandbox { box in
            let files = try shards(box, count: 2)
            try Data().write(to: files[1])
            let (result, output) = try merge(box, files)
            #expect(result.status != 0 && result.stderr.contains("no curldyn header"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output.path))
        }
    }

    @Test("one block per shard: the merged grid keeps its scan-line separators and equals the unsharded grid")
    func singleBlockShardsMergeIntoTheGrid() throws {
        try withSandbox { box in
            let grid = ["phase-diagram", "--layer", "hidden", "--c-points", "3", "--alpha-points", "10", "--no-plot"]
            let files = try shards(box, count: 3, grid: grid)
            let (result, output) = try merge(box, files)
            try #require(result.status == 0, "\(result)")
            let full = box.root.appendingPathComponent("full")
            let unsharded = try box.run(grid + ["--out", full.path])
            try #require(unsharded.status == 0, "\(unsharded)")
            #expect(try GridFileContents(contentsOf: output).blocks.count == 3)
            #expect(try dataLines(of: output) == (try dataLines(of: full.appendingPathComponent("phase_hidden.dat"))))
            // The boundary files (one table cut in pieces) merge into the unsharded table.
            let boundaries = (1...3).map { box.out.appendingPathComponent("phase_hidden.shard-\($0)-of-3_boundary.dat") }
            let merged = box.root.appendingPathComponent("boundary.dat")
            let joined = try box.run(["merge"] + boundaries.map(\.path) + ["--output", merged.path])
            try #require(joined.status == 0, "\(joined)")
            #expect(try dataLines(of: merged) == (try dataLines(of: full.appendingPathComponent("phase_hidden_boundary.dat"))))
        }
    }
}
