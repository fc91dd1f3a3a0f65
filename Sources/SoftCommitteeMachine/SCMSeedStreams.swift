/// The random streams of one seed, one per role (`RandomStream(seed:task:)`), so that changing one choice (the
/// student's start, the flipped inputs) never changes another draw (the teacher, the samples).
public enum SCMSeedStream {
    public static let teacher: UInt64 = 0
    public static let student: UInt64 = 1
    /// The online samples x (and output noise) of the SGD simulation.
    public static let data: UInt64 = 2
    /// Which input coordinates are flipped.
    public static let flips: UInt64 = 3
    /// The fixed feedback of feedback alignment.
    public static let feedback: UInt64 = 4
}
