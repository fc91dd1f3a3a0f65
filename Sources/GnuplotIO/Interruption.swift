import Dispatch
import Foundation

/// What a run must undo if it is interrupted: temporary files not yet renamed into place and child processes
/// (gnuplot). On SIGINT, SIGTERM or SIGHUP the handler removes the temporaries, kills the children and ends the
/// process by the same signal (exit status 128 + signal), so an interrupted run leaves nothing behind. While a
/// set of files is being renamed into place the handler waits, so an interruption never splits a set.
/// (SIGKILL cannot be caught: the next run in the directory recovers what it left; see `OutputDirectory`.)
public enum Interruption {
    private static let lock = NSRecursiveLock()
    nonisolated(unsafe) private static var temporaries: Set<String> = []
    nonisolated(unsafe) private static var children: Set<Int32> = []
    nonisolated(unsafe) private static var sources: [DispatchSourceSignal] = []

    /// Installs the handlers once; later calls do nothing.
    public static func install() {
        lock.lock()
        defer { lock.unlock() }
        guard sources.isEmpty else { return }
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { terminate(by: sig) }
            source.resume()
            sources.append(source)
        }
    }

    /// Cleans up and ends the process by `sig`.
    static func terminate(by sig: Int32) -> Never {
        lock.lock()  // waits for a rename sequence in progress; never released
        for pid in children { kill(pid, SIGKILL) }
        for path in temporaries { unlink(path) }
        // Die by the signal itself (so a parent sees what ended us), unblocked on this thread; 128 + sig otherwise.
        signal(sig, SIG_DFL)
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, sig)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        raise(sig)
        _exit(128 + sig)
    }

    public static func register(temporary url: URL) {
        install()
        lock.withLock { _ = temporaries.insert(url.path) }
    }

    public static func unregister(temporary url: URL) {
        lock.withLock { _ = temporaries.remove(url.path) }
    }

    public static func register(child pid: Int32) {
        install()
        lock.withLock { _ = children.insert(pid) }
    }

    public static func unregister(child pid: Int32) {
        lock.withLock { _ = children.remove(pid) }
    }

    /// Runs `body` (a sequence of renames) with interruptions held off until it is done.
    public static func uninterrupted<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }
}
