import Foundation
import GnuplotIO
import Studies

/// A sweep's array job and collect job as files in --out: written (or with --dry-run printed), with the line that
/// submits them, and with --submit submitted (sbatch --parsable, then the collect job with --dependency=afterok).
/// `figure --slurm` and `compare --slurm` deliver their jobs this way.
struct SlurmSubmission {
    var job: SlurmArrayJob
    var directory: OutputDirectory
    var baseName: String

    var arrayName: String { "\(baseName).sbatch" }
    var collectName: String { "\(baseName).collect.sbatch" }

    func deliver(dryRun: Bool, submit: Bool) throws {
        let submitLine = SlurmArrayJob.submitLine(arrayScript: directory.file(arrayName).path, collectScript: directory.file(collectName).path)
        if dryRun {
            print("# \(directory.file(arrayName).path)\n\(job.arrayScript)\n# \(directory.file(collectName).path)\n\(job.collectScript)")
            print("submit with:\n  \(submitLine)")
            return
        }
        let sbatch = submit ? try Self.sbatchExecutable() : nil
        try directory.commit([(arrayName, Data(job.arrayScript.utf8)), (collectName, Data(job.collectScript.utf8))])
        for script in [arrayName, collectName] { chmod(directory.file(script).path, 0o755) }
        try FileManager.default.createDirectory(atPath: job.logDirectory, withIntermediateDirectories: true)
        print("wrote \(directory.file(arrayName).path) (\(job.tasks) array tasks, \(job.cpusPerTask) CPU\(job.cpusPerTask == 1 ? "" : "s") each) "
              + "and \(directory.file(collectName).path); logs in \(job.logDirectory)")
        guard let sbatch else {
            print("submit with:\n  \(submitLine)")
            return
        }
        let arrayJob = try Self.submit([directory.file(arrayName).path], sbatch: sbatch)
        let collectJob: String
        do { collectJob = try Self.submit(["--dependency=afterok:\(arrayJob)", directory.file(collectName).path], sbatch: sbatch) } catch {
            throw CommandFailure("array job \(arrayJob) is submitted but its collect job is not (\(error)); "
                                 + "submit it with: sbatch --dependency=afterok:\(arrayJob) \(ShellWord.quoted(directory.file(collectName).path))")
        }
        print("submitted array job \(arrayJob) (\(job.tasks) tasks) and collect job \(collectJob) (after every task succeeds)")
        print("follow with: squeue -j \(arrayJob),\(collectJob); the results land in \(directory.url.path)")
    }

    /// `arguments` without the given flags and options, an option with its value (`--name value` or `--name=value`):
    /// a command line as an array task or collect job repeats it.
    static func arguments(_ arguments: [String], removingFlags flags: Set<String>, options: Set<String>) -> [String] {
        var kept: [String] = []
        var skipValue = false
        for argument in arguments {
            if skipValue { skipValue = false; continue }
            if flags.contains(argument) { continue }
            if options.contains(argument) { skipValue = true; continue }
            if let equals = argument.firstIndex(of: "="), options.contains(String(argument[..<equals])) { continue }
            kept.append(argument)
        }
        return kept
    }

    /// This process's executable, symbolic links resolved: the binary the jobs run.
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }

    /// `sbatch` on the PATH.
    static func sbatchExecutable() throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("sbatch")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw CommandFailure("--submit needs sbatch, which is not on the PATH; nothing written")
    }

    /// Runs `sbatch --parsable ARGUMENTS` and returns the job id (the part before any ";cluster").
    static func submit(_ arguments: [String], sbatch: URL) throws -> String {
        let process = Process()
        process.executableURL = sbatch
        process.arguments = ["--parsable"] + arguments
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let output = String(decoding: stdout.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errors = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let id = output.split(whereSeparator: \.isNewline).last.map { String($0.split(separator: ";")[0]) } ?? ""
        guard process.terminationStatus == 0, !id.isEmpty, id.allSatisfy(\.isNumber) else {
            throw CommandFailure("sbatch \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): \(errors)\(output)")
        }
        return id
    }
}

extension OutputOptions {
    /// The output options a collect job repeats: --no-plot, or the figures directory (absolute), and --json.
    var collectArguments: [String] {
        var arguments: [String] = []
        if noPlot {
            arguments.append("--no-plot")
        } else if let figures = try? figuresDirectory(self.figures) {
            arguments += ["--figures", figures.standardizedFileURL.path]
        }
        if json { arguments.append("--json") }
        return arguments
    }
}
