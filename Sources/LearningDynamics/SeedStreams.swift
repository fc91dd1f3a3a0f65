import NumericalKit
import StudentTeacherCore

/// The stream roles of one learning experiment (ids 0-15, `StreamRegistry.learningDynamics`; see `StreamRole`), one per purpose, so that changing one
/// choice (the student's start, the flipped subset) never changes another draw (the teacher, the data). Ids 0-5 are
/// the task numbers these streams had before roles existed, so every experiment keeps its draws.
public enum SeedStream {
    public static let teacher = StreamRegistry.learningDynamics.role(id: 0, name: "teacher")
    public static let student = StreamRegistry.learningDynamics.role(id: 1, name: "student start")
    /// Training inputs first, then test inputs.
    public static let data = StreamRegistry.learningDynamics.role(id: 2, name: "training and test data")
    /// Which neurons are rule-flipped, when chosen at random.
    public static let flips = StreamRegistry.learningDynamics.role(id: 3, name: "flipped neurons")
    /// The random feedback vector of feedback alignment.
    public static let feedback = StreamRegistry.learningDynamics.role(id: 4, name: "feedback vector")
    /// Minibatch order of the discrete protocol.
    public static let shuffle = StreamRegistry.learningDynamics.role(id: 5, name: "minibatch order")
    /// The initial tangent vectors of a Lyapunov-exponent measurement.
    public static let lyapunovTangents = StreamRegistry.learningDynamics.role(id: 6, name: "Lyapunov tangent vectors")

    public static let all = [teacher, student, data, flips, feedback, shuffle, lyapunovTangents]
}
