import NumericalKit

/// Where every module's random-stream roles live: one namespace of role ids per module, declared here once and
/// disjoint, so that two modules can never hand out the same role id, and (by `StreamRole`'s task encoding
/// index << 20 | id) no two roles can read the same stream, whatever their indices. A module declares its roles
/// with `namespace.role(id:name:)`, which refuses an id outside the namespace, and lists them in its role enum's
/// `all`; the registry test checks every list against its namespace and the namespaces against each other.
public enum StreamRegistry {
    /// A module's range of role ids.
    public struct Namespace: Hashable, Sendable, CustomStringConvertible {
        public let name: String
        public let ids: Range<UInt64>

        init(_ name: String, _ ids: Range<UInt64>) {
            precondition(ids.upperBound <= 1 << StreamRole.idBits, "role ids stop at 2^\(StreamRole.idBits)")
            self.name = name
            self.ids = ids
        }

        /// The role `id` of this namespace (a precondition: `id` lies in `ids`).
        public func role(id: UInt64, name: String) -> StreamRole {
            precondition(ids.contains(id), "stream role id \(id) (\(name)) lies outside \(self)")
            return StreamRole(id: id, name: name)
        }

        public func contains(_ role: StreamRole) -> Bool { ids.contains(role.id) }

        public var description: String { "the \(self.name) stream roles \(ids.lowerBound)..<\(ids.upperBound)" }
    }

    /// LearningDynamics' `SeedStream` (ids 0-5 are the task numbers of the streams before roles existed).
    public static let learningDynamics = Namespace("learning dynamics", 0..<16)
    /// CurlTheory's `CurlStreams`.
    public static let curlTheory = Namespace("curl theory", 16..<32)
    /// NodePerturbation's `NPStreams`.
    public static let nodePerturbation = Namespace("node perturbation", 32..<64)
    /// SoftCommitteeMachine's `SCMSeedStream`.
    public static let softCommitteeMachine = Namespace("soft committee machine", 64..<80)
    /// Tests' own roles, never used by a module.
    public static let tests = Namespace("test", 1 << 19..<1 << 20)

    public static let all = [learningDynamics, curlTheory, nodePerturbation, softCommitteeMachine, tests]
}
