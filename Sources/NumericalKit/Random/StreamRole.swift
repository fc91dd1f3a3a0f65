/// A named purpose of random draws within one seeded computation: the teacher's weights, the training data, the
/// node-perturbation noise of draw k. Every draw goes through a role, so that two purposes never read the same
/// numbers (an estimator's noise equal to the normals that built its batch would correlate what must be
/// independent).
///
/// A role owns the streams `RandomStream(seed:role:index:)` for index 0 ..< 2^44; its stream task is
/// `index << 20 | id`. Distinct (id, index) pairs therefore give distinct tasks, so the streams of two roles with
/// different ids never coincide, whatever their indices. Each module declares its roles in one list, with ids from
/// its own range; a test collects every module's list and checks that no id repeats.
///
/// Index 0 of role id r is task r, the task numbering of single streams before roles existed, so a role that keeps
/// an old task number keeps its draws.
public struct StreamRole: Hashable, Sendable, CustomStringConvertible {
    /// Below 2^20.
    public let id: UInt64
    public let name: String

    public static let idBits: UInt64 = 20
    public static let indexLimit: UInt64 = 1 << (64 - idBits)

    public init(id: UInt64, name: String) {
        precondition(id < 1 << Self.idBits, "a stream role id must be below 2^\(Self.idBits), got \(id)")
        self.id = id
        self.name = name
    }

    /// The `RandomStream` task of this role's stream `index`.
    public func task(_ index: UInt64 = 0) -> UInt64 {
        precondition(index < Self.indexLimit, "stream index \(index) of role \(name) exceeds 2^44")
        return index << Self.idBits | id
    }

    /// The role and index of a task (the inverse of `task(_:)`).
    public static func decode(task: UInt64) -> (id: UInt64, index: UInt64) { (task & ((1 << idBits) - 1), task >> idBits) }

    public var description: String { "\(name) (stream role \(id))" }
}

extension RandomStream {
    /// Stream `index` of `role` for the computation seeded with `seed`.
    public convenience init(seed: UInt64, role: StreamRole, index: UInt64 = 0) {
        self.init(seed: seed, task: role.task(index))
    }
}
