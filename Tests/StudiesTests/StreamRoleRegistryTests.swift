import CurlTheory
import LearningDynamics
import NodePerturbation
import NumericalKit
import SoftCommitteeMachine
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

    @Test("each module keeps to its id range: learning 0-15, curl theory 16-31, node perturbation 32-63, soft committee machine 64-79")
    func idsStayInTheirModuleRange() {
        #expect(SeedStream.all.allSatisfy { (0...15).contains($0.id) })
        #expect(CurlStreams.all.allSatisfy { (16...31).contains($0.id) })
        #expect(NPStreams.all.allSatisfy { (32...63).contains($0.id) })
        #expect(SCMSeedStream.all.allSatisfy { (64...79).contains($0.id) })
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
