import StudentTeacherCore
/// Checks shared by every entry point, so each rejects bad input with the same message.
enum Validate {
    /// c = M/N, the ratio of inputs to hidden neurons: finite and positive.
    static func ratio(_ c: Double) throws {
        guard c.isFinite, c > 0 else { throw ParameterError("the ratio c = M/N must be finite and positive, got \(c)") }
    }

    /// A fraction of rule-flipped neurons: finite, in [0, 1].
    static func fraction(_ alpha: Double) throws {
        guard alpha.isFinite, (0...1).contains(alpha) else {
            throw ParameterError("the fraction of flipped neurons must lie in [0, 1], got \(alpha)")
        }
    }

    /// The weight scale s (|w2|^2 = s^2, W1 entries of variance s^2/M): finite and positive.
    static func scale(_ s: Double) throws {
        guard s.isFinite, s > 0 else { throw ParameterError("the weight scale s must be finite and positive, got \(s)") }
    }
}
