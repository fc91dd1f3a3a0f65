import Foundation
import Testing
import NumericalKit

// Statistical checks use N = 100_000 draws and a 5-standard-error band: a correct generator fails one
// of them with probability ~6e-7, and the seeds are fixed, so the outcome is deterministic anyway.

private let drawCount = 100_000
private let band = 5.0

private func meanAndVariance(_ x: [Double]) -> (mean: Double, variance: Double) {
    let n = Double(x.count)
    let mean = x.reduce(0, +) / n
    let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
    return (mean, variance)
}

@Test func sameSeedAndTaskRepeatExactly() {
    for (seed, task) in [(UInt64(0), UInt64(0)), (1, 0), (42, 7), (UInt64.max, UInt64.max)] {
        let a = RandomStream(seed: seed, task: task)
        let b = RandomStream(seed: seed, task: task)
        #expect(a.gaussians(1000) == b.gaussians(1000), "seed \(seed) task \(task)")
        #expect(a.uniforms(1000, -1, 3) == b.uniforms(1000, -1, 3))
        #expect((0..<1000).map { _ in a.integer(below: 97) } == (0..<1000).map { _ in b.integer(below: 97) })
    }
}

@Test func differentTasksGiveDifferentStreams() {
    let streams = (0..<16).map { RandomStream(seed: 42, task: UInt64($0)).uniforms(8, 0, 1) }
    #expect(Set(streams.map(\.description)).count == streams.count, "all 16 task streams must differ")
    // Not merely shifted copies of one another: no first draw reappears among another stream's draws.
    for i in streams.indices { for j in streams.indices where i != j { #expect(!streams[j].contains(streams[i][0])) } }
}

@Test func differentSeedsGiveDifferentStreams() {
    let seeds: [UInt64] = [0, 1, 2, 3, 4357, 1 << 32, (1 << 32) + 1, 0xFFFF_FFFF, .max]
    let streams = seeds.map { RandomStream(seed: $0).uniforms(8, 0, 1) }
    #expect(Set(streams.map(\.description)).count == seeds.count, "every seed must give its own stream")
}

@Test func streamSeedIsNeverZeroAndFitsIn32Bits() {
    for seed in [UInt64(0), 1, 4357, .max] {
        for task in [UInt64(0), 1, 1000, .max] {
            let s = RandomStream.streamSeed(seed: seed, task: task)
            #expect(s != 0 && s <= 0xFFFF_FFFF)
        }
    }
}

@Test func gaussianMeanAndVarianceWithinFiveStandardErrors() {
    let sigma = 2.5
    let x = RandomStream(seed: 31).gaussians(drawCount, sigma: sigma)
    let n = Double(drawCount)
    let (mean, variance) = meanAndVariance(x)
    // SE of the mean: sigma / sqrt(N); SE of the sample variance for a Gaussian: sigma^2 sqrt(2 / (N - 1)).
    #expect(abs(mean) <= band * sigma / n.squareRoot(), "mean \(mean)")
    #expect(abs(variance - sigma * sigma) <= band * sigma * sigma * (2 / (n - 1)).squareRoot(), "variance \(variance)")
    // Shape: P(|X| < sigma) = erf(1/sqrt 2) = 0.6827, SE sqrt(p (1 - p) / N).
    let p = erf(1 / 2.0.squareRoot())
    let inside = Double(x.filter { abs($0) < sigma }.count) / n
    #expect(abs(inside - p) <= band * (p * (1 - p) / n).squareRoot(), "fraction within one sigma \(inside)")
}

@Test func uniformRangeMeanAndVarianceWithinFiveStandardErrors() {
    let (a, b) = (-3.0, 5.0)
    let width = b - a
    let x = RandomStream(seed: 32).uniforms(drawCount, a, b)
    let n = Double(drawCount)
    #expect(x.allSatisfy { $0 >= a && $0 < b })
    let (mean, variance) = meanAndVariance(x)
    // SE of the mean: width / sqrt(12 N); SE of the sample variance: width^2 / sqrt(180 N)
    // (Var[(X - mu)^2] = width^4 (1/80 - 1/144) = width^4 / 180).
    #expect(abs(mean - (a + b) / 2) <= band * width / (12 * n).squareRoot(), "mean \(mean)")
    #expect(abs(variance - width * width / 12) <= band * width * width / (180 * n).squareRoot(), "variance \(variance)")
    // Both ends of the range are actually reached (within 1e-3 of the width).
    #expect(x.min()! < a + 1e-3 * width && x.max()! > b - 1e-3 * width)
}

@Test func defaultUniformIsUnitInterval() {
    let stream = RandomStream(seed: 33)
    let x = (0..<10_000).map { _ in stream.uniform() }
    #expect(x.allSatisfy { $0 >= 0 && $0 < 1 })
    #expect(abs(x.reduce(0, +) / 10_000 - 0.5) <= band / (12 * 10_000.0).squareRoot())
}

@Test func integerBelowIsUniformOverItsRange() {
    let bins = 7
    let stream = RandomStream(seed: 34)
    var counts = [Int](repeating: 0, count: bins)
    for _ in 0..<drawCount {
        let k = stream.integer(below: bins)
        #expect((0..<bins).contains(k))
        counts[k] += 1
    }
    // Each count is Binomial(N, 1/7): SE sqrt(N p (1 - p)).
    let p = 1.0 / Double(bins)
    let se = (Double(drawCount) * p * (1 - p)).squareRoot()
    for c in counts { #expect(abs(Double(c) - Double(drawCount) * p) <= band * se, "\(counts)") }
}

@Test func bulkDrawsMatchSingleDraws() {
    let a = RandomStream(seed: 35, task: 3)
    let b = RandomStream(seed: 35, task: 3)
    #expect(a.gaussians(100, sigma: 0.5) == (0..<100).map { _ in b.gaussian(sigma: 0.5) })
    #expect(a.uniforms(100, 2, 4) == (0..<100).map { _ in b.uniform(2, 4) })
}

@Test("stream roles pack (id, index) into disjoint bits: distinct pairs give distinct tasks, decode inverts, index 0 is the id")
func streamRolesPackIdAndIndex() {
    let roles = (0..<40).map { StreamRole(id: UInt64($0 * 997 % 1024), name: "role \($0)") }
    var seen: [UInt64: (UInt64, UInt64)] = [:]
    for role in roles {
        for index: UInt64 in [0, 1, 2, 1023, 1 << 20, StreamRole.indexLimit - 1] {
            let task = role.task(index)
            #expect(seen[task] == nil, "task \(task) of \(role) repeats \(String(describing: seen[task]))")
            seen[task] = (role.id, index)
            #expect(StreamRole.decode(task: task) == (role.id, index))
        }
        #expect(role.task(0) == role.id)
    }
    let a = RandomStream(seed: 3, role: roles[1], index: 5).uniforms(4, 0, 1)
    #expect(a == RandomStream(seed: 3, task: roles[1].task(5)).uniforms(4, 0, 1))
}
