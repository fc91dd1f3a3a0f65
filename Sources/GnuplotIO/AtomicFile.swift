import Foundation

/// Writes files so that readers see either the old file or the complete new one, never a partial one:
/// the content goes to a temporary file in the same directory, which is then renamed over the target.
public enum AtomicFile {
    public static func write(_ contents: String, to url: URL) throws {
        try write(Data(contents.utf8), to: url)
    }

    public static func write(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = temporaryURL(besides: url)
        do {
            try data.write(to: temporary)
            try replace(url, with: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }

    /// A unique temporary path next to `url` (same file system, so the rename is atomic).
    public static func temporaryURL(besides url: URL) -> URL {
        url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).\(UUID().uuidString.prefix(8)).tmp")
    }

    /// Renames `temporary` onto `url` (rename(2) replaces an existing target atomically).
    public static func replace(_ url: URL, with temporary: URL) throws {
        if rename(temporary.path, url.path) != 0 {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path,
                                                           NSLocalizedDescriptionKey: "cannot rename \(temporary.path) to \(url.path): \(String(cString: strerror(errno)))"])
        }
    }
}
