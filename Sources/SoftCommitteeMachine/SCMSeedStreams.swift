import NumericalKit
import StudentTeacherCore

/// The stream roles of the soft-committee-machine simulations (ids 64-79, `StreamRegistry.softCommitteeMachine`; see `StreamRole`), one per purpose, so that
/// changing one choice (the student's start, the flipped inputs) never changes another draw (the teacher, the samples).
public enum SCMSeedStream {
    public static let teacher = StreamRegistry.softCommitteeMachine.role(id: 64, name: "SCM teacher")
    public static let student = StreamRegistry.softCommitteeMachine.role(id: 65, name: "SCM student start")
    /// The online samples x (and output noise) of the SGD simulation; index: the replicate.
    public static let data = StreamRegistry.softCommitteeMachine.role(id: 66, name: "SCM online samples")
    /// Which input coordinates are flipped.
    public static let flips = StreamRegistry.softCommitteeMachine.role(id: 67, name: "SCM flipped inputs")
    /// The fixed feedback of feedback alignment.
    public static let feedback = StreamRegistry.softCommitteeMachine.role(id: 68, name: "SCM feedback")

    public static let all = [teacher, student, data, flips, feedback]
}
