import NumericalKit

/// The stream roles of the soft-committee-machine simulations (ids 64-79; see `StreamRole`), one per purpose, so that
/// changing one choice (the student's start, the flipped inputs) never changes another draw (the teacher, the samples).
public enum SCMSeedStream {
    public static let teacher = StreamRole(id: 64, name: "SCM teacher")
    public static let student = StreamRole(id: 65, name: "SCM student start")
    /// The online samples x (and output noise) of the SGD simulation.
    public static let data = StreamRole(id: 66, name: "SCM online samples")
    /// Which input coordinates are flipped.
    public static let flips = StreamRole(id: 67, name: "SCM flipped inputs")
    /// The fixed feedback of feedback alignment.
    public static let feedback = StreamRole(id: 68, name: "SCM feedback")

    public static let all = [teacher, student, data, flips, feedback]
}
