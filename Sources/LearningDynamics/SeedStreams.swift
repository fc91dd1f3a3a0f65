/// The random streams drawn from one seed, one per role (see `RandomStream(seed:task:)`), so that changing
/// one choice (the student's start, the flipped subset) never changes another draw (the teacher, the data).
public enum SeedStream {
    public static let teacher: UInt64 = 0
    public static let student: UInt64 = 1
    /// Training inputs first, then test inputs.
    public static let data: UInt64 = 2
    /// Which neurons are rule-flipped, when chosen at random.
    public static let flips: UInt64 = 3
    /// The random feedback vector of feedback alignment.
    public static let feedback: UInt64 = 4
    /// Minibatch order of the discrete protocol.
    public static let shuffle: UInt64 = 5
    /// The initial tangent vectors of a Lyapunov-exponent measurement.
    public static let lyapunovTangents: UInt64 = 6
}
