import Foundation

/// The directory a run writes into, and the one way files get there: as a set.
///
/// - `check` refuses, before any computation, a path that is a file, sits under a file, or lies where nothing
///   can be created (`/proc`, a read-only file system).
/// - `commit` writes every file of a run to a hidden temporary beside its target, records the planned renames in
///   a journal, renames them all into place and removes the journal. Concurrent runs in one directory take turns
///   (an exclusive `flock` on the directory), so two runs with the same names never mix their files.
/// - A run killed with SIGKILL may leave temporaries or a journal. The next commit in that directory, holding
///   the lock, finishes a complete journal's renames (so the killed run's set appears whole), deletes an
///   incomplete journal's temporaries and removes every other stale temporary.
public struct OutputDirectory: Sendable {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let url: URL

    /// Checks `path` and returns the directory (not created until the first commit).
    public init(checking path: String) throws {
        url = URL(fileURLWithPath: path).standardizedFileURL
        try Self.check(url)
    }

    /// The file `name` in this directory.
    public func file(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Refuses a directory path that exists as something else or under which nothing can be created.
    static func check(_ url: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw Failure(description: "the output directory \(url.path) exists and is not a directory") }
            try probeWritable(url)
            return
        }
        var ancestor = url.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: ancestor.path, isDirectory: &isDirectory) {
            guard ancestor.path != "/" else { break }
            ancestor = ancestor.deletingLastPathComponent()
        }
        guard isDirectory.boolValue else {
            throw Failure(description: "cannot create the output directory \(url.path): \(ancestor.path) is not a directory")
        }
        try probeWritable(ancestor)
    }

    /// Creates and removes a probe file: permissions alone do not tell (root may write anywhere but /proc).
    private static func probeWritable(_ directory: URL) throws {
        let probe = directory.appendingPathComponent(".curldyn-probe.\(getpid()).\(UUID().uuidString.prefix(8)).tmp")
        let fd = open(probe.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw Failure(description: "cannot write in \(directory.path): \(String(cString: strerror(errno)))")
        }
        close(fd)
        unlink(probe.path)
    }

    /// Writes `files` (name, contents) as one set, replacing files of the same names.
    public func commit(_ files: [(name: String, contents: Data)]) throws {
        try withLock {
            var staged: [(temporary: URL, target: URL)] = []
            do {
                for file in files {
                    let target = self.file(file.name)
                    let temporary = Self.temporaryURL(besides: target)
                    Interruption.register(temporary: temporary)
                    staged.append((temporary, target))
                    try Self.writeDurably(file.contents, to: temporary)
                }
                let journal = url.appendingPathComponent(".curldyn-commit.\(getpid()).\(UUID().uuidString.prefix(8)).journal")
                Interruption.register(temporary: journal)
                let plan = staged.map { "\($0.temporary.lastPathComponent)\t\($0.target.lastPathComponent)\n" }.joined() + "end\n"
                try Self.writeDurably(Data(plan.utf8), to: journal)
                try Interruption.uninterrupted {
                    for (temporary, target) in staged {
                        try Self.rename(temporary, to: target)
                        Interruption.unregister(temporary: temporary)
                    }
                    unlink(journal.path)
                    Interruption.unregister(temporary: journal)
                }
            } catch {
                for (temporary, _) in staged {
                    unlink(temporary.path)
                    Interruption.unregister(temporary: temporary)
                }
                throw error
            }
        }
    }

    /// Removes `name` if it exists (e.g. a figure of an earlier run that this run could not render).
    public func remove(_ name: String) throws {
        try withLock { unlink(file(name).path) }
    }

    /// Runs `body` holding the directory's exclusive lock, after recovering what killed runs left.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create the output directory \(url.path): \(error.localizedDescription)")
        }
        let fd = open(url.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(description: "cannot open \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw Failure(description: "cannot lock \(url.path): \(String(cString: strerror(errno)))") }
        }
        defer { flock(fd, LOCK_UN) }
        recoverInterruptedCommits()
        return try body()
    }

    /// Finishes or undoes the commits of runs that died (see the type's documentation). Called with the lock held,
    /// so every journal and temporary found belongs to a dead run unless its process still lives.
    func recoverInterruptedCommits() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { return }
        for name in names where name.hasPrefix(".curldyn-commit.") && name.hasSuffix(".journal") {
            guard let pid = Self.ownerPID(of: name), !Self.isAlive(pid) else { continue }
            let journal = url.appendingPathComponent(name)
            let lines = ((try? String(contentsOf: journal, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
            let complete = lines.last == "end"
            for line in lines.dropLast(complete ? 1 : 0) {
                let parts = line.split(separator: "\t").map(String.init)
                guard parts.count == 2, !parts[0].contains("/"), !parts[1].contains("/") else { continue }
                let temporary = url.appendingPathComponent(parts[0])
                if complete, FileManager.default.fileExists(atPath: temporary.path) {
                    _ = try? Self.rename(temporary, to: url.appendingPathComponent(parts[1]))
                } else {
                    unlink(temporary.path)
                }
            }
            unlink(journal.path)
        }
        for name in names where Self.isTemporaryName(name) {
            if let pid = Self.ownerPID(of: name), !Self.isAlive(pid) { unlink(url.appendingPathComponent(name).path) }
        }
    }

    // MARK: - Temporary names: .<target>.<pid>.<8 hex>.tmp[.<ext>]

    /// A unique temporary path next to `url` (same file system, so the rename is atomic), named for this process.
    public static func temporaryURL(besides url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(getpid()).\(UUID().uuidString.prefix(8)).tmp")
    }

    static func isTemporaryName(_ name: String) -> Bool {
        name.hasPrefix(".") && name.range(of: #"\.\d+\.[0-9A-F]{8}\.tmp(\.[A-Za-z0-9]+)?$"#, options: .regularExpression) != nil
    }

    /// The process id in a temporary's or journal's name.
    static func ownerPID(of name: String) -> Int32? {
        guard let match = name.range(of: #"\.(\d+)\.[0-9A-F]{8}\.(tmp|journal)"#, options: .regularExpression) else { return nil }
        return name[match].split(separator: ".").first.flatMap { Int32($0) }
    }

    static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno == EPERM
    }

    static func writeDurably(_ data: Data, to url: URL) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write \(url.path): \(String(cString: strerror(errno)))")
                }
                offset += n
            }
        }
        guard fsync(fd) == 0 else { throw Failure(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
    }

    static func rename(_ temporary: URL, to target: URL) throws {
        guard Glibc.rename(temporary.path, target.path) == 0 else {
            throw Failure(description: "cannot rename \(temporary.path) to \(target.path): \(String(cString: strerror(errno)))")
        }
    }
}
