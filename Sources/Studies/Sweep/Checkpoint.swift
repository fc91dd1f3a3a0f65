import Foundation

/// A sweep's finished cells on disk, so that a killed or requeued sweep resumes without redoing them.
///
/// The first line names the study and the fingerprint of its parameters; each finished cell is then appended as
/// one line (`CellRecord.line`) by a single `write(2)` under an exclusive `flock`, followed by `fsync`. A kill can
/// leave at most a partial last line: reading ignores it, and the next append first ends it with a newline.
public final class Checkpoint: @unchecked Sendable {
    public struct Mismatch: Error, CustomStringConvertible {
        public let description: String
    }

    public let url: URL
    let header: String
    private let lock = NSLock()

    /// A checkpoint of `study` whose parameters have `fingerprint`.
    public init(url: URL, study: String, fingerprint: String) {
        self.url = url
        header = "# curldyn checkpoint: study \(study), parameters \(fingerprint)"
    }

    /// The records already finished, by cell key; empty when the file does not exist. Refuses a checkpoint of
    /// another study or of other parameters.
    public func load() throws -> [String: CellRecord] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let first = lines.first, !first.isEmpty else { return [:] }
        guard first == header else {
            throw Mismatch(description: "\(url.path) is the checkpoint of another sweep (\(first.dropFirst(2))); remove it or give another --out")
        }
        if !text.hasSuffix("\n") { lines.removeLast() }  // a line cut by a kill
        var records: [String: CellRecord] = [:]
        for line in lines.dropFirst() where !line.isEmpty {
            if let record = CellRecord(line: line) { records[record.key] = record }
        }
        return records
    }

    /// Appends `record` durably (thread- and process-safe).
    public func append(_ record: CellRecord) throws {
        try lock.withLock {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            let fd = open(url.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw Mismatch(description: "cannot write \(url.path): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            while flock(fd, LOCK_EX) != 0 { guard errno == EINTR else { break } }
            defer { flock(fd, LOCK_UN) }
            var text = ""
            let size = lseek(fd, 0, SEEK_END)
            if size == 0 {
                text = header + "\n"
            } else if !endsWithNewline(size: size) {
                text = "\n"
            }
            text += record.line + "\n"
            let bytes = Array(text.utf8)
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
            guard written == bytes.count, fsync(fd) == 0 else {
                throw Mismatch(description: "cannot append to \(url.path): \(String(cString: strerror(errno)))")
            }
        }
    }

    private func endsWithNewline(size: off_t) -> Bool {
        let fd = open(url.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return true }
        defer { close(fd) }
        var byte: UInt8 = 0
        return pread(fd, &byte, 1, size - 1) == 1 && byte == 10
    }
}
