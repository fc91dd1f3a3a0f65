import Foundation

/// Maps `body` over 0..<count on `threads` workers and returns the results in index order, so the output
/// never depends on the thread count as long as each index draws from its own seeded stream.
/// `progress` receives (done, count) from the workers. The first error thrown (by index) is rethrown.
public func parallelMap<T: Sendable>(_ count: Int, threads: Int, progress: (@Sendable (Int, Int) -> Void)? = nil,
                                     _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let box = IndexedResults<T>(count: count)
    let workers = max(1, min(threads, count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
        for index in stride(from: worker, to: count, by: workers) {
            let done = box.store(Result { try body(index) }, at: index)
            progress?(done, count)
        }
    }
    return try box.results.map { try $0!.get() }
}

/// Results stored by index from concurrent workers.
private final class IndexedResults<T>: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var results: [Result<T, Error>?]
    private var done = 0

    init(count: Int) { results = Array(repeating: nil, count: count) }

    func store(_ result: Result<T, Error>, at index: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        results[index] = result
        done += 1
        return done
    }
}
