import CGSL

/// A seeded Mersenne Twister (GSL's mt19937) with Gaussian and uniform draws.
///
/// Parallel work gets one stream per task: `RandomStream(seed:task:)` derives the stream's seed from
/// (seed, task) alone, so results do not depend on how tasks are spread over threads.
/// Not thread-safe: give each task its own stream.
public final class RandomStream {
    public let seed: UInt64
    public let task: UInt64
    private let rng: UnsafeMutablePointer<gsl_rng>

    /// A stream for `task` of a computation seeded with `seed`. Task 0 is the "main" stream.
    public init(seed: UInt64, task: UInt64 = 0) {
        GSL.prepare()
        self.seed = seed
        self.task = task
        guard let r = gsl_rng_alloc(cgsl_rng_mt19937()) else { fatalError("out of memory allocating a GSL generator") }
        rng = r
        gsl_rng_set(rng, UInt(Self.streamSeed(seed: seed, task: task)))
    }

    deinit { gsl_rng_free(rng) }

    /// The mt19937 seed used for (seed, task): a SplitMix64 mix of both, kept within 32 bits
    /// (mt19937 reads only those) and never 0 (which GSL aliases to its default seed 4357).
    public static func streamSeed(seed: UInt64, task: UInt64) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15 &* (task &+ 1)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let s = (z ^ (z >> 32)) & 0xFFFF_FFFF
        return s == 0 ? 1 : s
    }

    /// A draw from N(0, sigma^2).
    public func gaussian(sigma: Double = 1) -> Double { gsl_ran_gaussian_ziggurat(rng, sigma) }

    /// A draw from U(a, b).
    public func uniform(_ a: Double = 0, _ b: Double = 1) -> Double { a + (b - a) * gsl_rng_uniform(rng) }

    /// A uniformly random integer in 0..<n.
    public func integer(below n: Int) -> Int {
        precondition(n > 0)
        return Int(gsl_rng_uniform_int(rng, UInt(n)))
    }

    public func gaussians(_ count: Int, sigma: Double = 1) -> [Double] { (0..<count).map { _ in gaussian(sigma: sigma) } }

    public func uniforms(_ count: Int, _ a: Double, _ b: Double) -> [Double] { (0..<count).map { _ in uniform(a, b) } }
}
