import CurlTheory
import LearningDynamics
import NodePerturbation
import NumericalKit
import SoftCommitteeMachine
import StudentTeacherCore
import Testing

@Suite("stream role registry")
struct StreamRoleRegistryTests {
    /// Every module's roles; a new module's list belongs here.
    let roles = SeedStream.all + CurlStreams.all + NPStreams.all + SCMSeedStream.all

    @Test("no two roles of any module share an id, so no two roles can share a stream")
    func idsAreUnique() {
        let ids = roles.map(\.id)
        #expect(Set(ids).count == ids.count, "repeated ids: \(Dictionary(grouping: roles, by: \.id).filter { $0.value.count > 1 })")
        #expect(Set(roles.map(\.name)).count == roles.count)
    }

    /// Every module's roles beside the namespace the core's registry gives that module.
    let modules: [(StreamRegistry.Namespace, [StreamRole])] = [
        (StreamRegistry.learningDynamics, SeedStream.all), (StreamRegistry.curlTheory, CurlStreams.all),
        (StreamRegistry.nodePerturbation, NPStreams.all), (StreamRegistry.softCommitteeMachine, SCMSeedStream.all),
    ]

    @Test("the registry's namespaces are pairwise disjoint and every module's roles lie in its own")
    func namespacesAreDisjointAndEachModuleKeepsToItsOwn() {
        let spaces = StreamRegistry.all
        for (i, a) in spaces.enumerated() {
            for b in spaces[(i + 1)...] { #expect(!a.ids.overlaps(b.ids), "\(a) overlaps \(b)") }
        }
        #expect(Set(modules.map(\.0)).count == modules.count)
        for (space, roles) in modules {
            for role in roles { #expect(space.contains(role), "\(role) lies outside \(space)") }
        }
        // No module declares roles in the tests' namespace.
        #expect(!roles.contains { StreamRegistry.tests.contains($0) })
    }

    @Test("distinct roles give distinct stream tasks at every index, so no two roles can read the same stream")
    func distinctRolesNeverShareATask() {
        // task = index << 20 | id is injective in (id, index) for id < 2^20 and index < 2^44: decode inverts it.
        for role in roles {
            for index: UInt64 in [0, 1, 2, 21, 1 << 30, StreamRole.indexLimit - 1] {
                let decoded = StreamRole.decode(task: role.task(index))
                #expect(decoded.id == role.id && decoded.index == index)
            }
        }
        let tasks = roles.flatMap { role in [0, 1, 2, 10, 11, 12, 20, 21].map { role.task($0) } }
        #expect(Set(tasks).count == tasks.count)
    }

    @Test("the learning experiment's roles keep their old task numbers 0-5, so curl-descent results do not change")
    func learningRolesKeepTheirTasks() {
        #expect(SeedStream.all.prefix(6).map { $0.task(0) } == [0, 1, 2, 3, 4, 5])
    }

    @Test("node-perturbation noise never reads the streams that built the task, batch, warm-up, teacher or student")
    func noiseStreamsAreDisjointFromSetupStreams() {
        let setup = [NPStreams.task, NPStreams.teacher, NPStreams.student, NPStreams.inputs, NPStreams.evaluation, NPStreams.warmup,
                     NPStreams.batches].map { $0.task(0) }
        for draw: UInt64 in [0, 1, 2, 10, 11, 12, 20, 21, 1 << 30] {
            #expect(!setup.contains(NPStreams.nodeNoise.task(draw)))
            let a = RandomStream(seed: 7, role: NPStreams.nodeNoise, index: draw).uniforms(4, 0, 1)
            for role in [NPStreams.task, NPStreams.teacher, NPStreams.inputs] {
                #expect(a != RandomStream(seed: 7, role: role).uniforms(4, 0, 1))
            }
        }
    }
}
