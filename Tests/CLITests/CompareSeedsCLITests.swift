import Foundation
import Testing

/// `compare`'s per-seed table: the numbers behind every statistic.
@Suite("curldyn compare: per-seed outputs")
struct CompareSeedsCLITests {
    @Test("NAME_seeds.dat holds each seed's time to threshold; their mean and standard error are the stats file's")
    func perSeedTimesReproduceTheStatistics() throws {
        try withSandbox { box in
            let result = try box.run(["compare", "-M", "6", "-N", "4", "--train-size", "30", "--t-final", "20", "--points", "30", "--seeds", "5",
                                      "--threshold", "1e-2", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let seeds = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_seeds.dat"))
            let stats = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_stats.dat"))
            #expect(seeds.sets.count == 2)
            for (set, rule) in zip(seeds.sets, stats.sets) {
                #expect(set.column(0) == [1, 2, 3, 4, 5], "\(set.title)")
                let times = set.column(1)
                let mean = times.reduce(0, +) / Double(times.count)
                let sd = (times.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(times.count - 1)).squareRoot()
                #expect(agree(mean, rule.rows[0][1], tolerance: 1e-12), "\(set.title): mean \(mean) vs \(rule.rows[0][1])")
                #expect(agree(sd / Double(times.count).squareRoot(), rule.rows[0][2], tolerance: 1e-9) || rule.rows[0][2] == 0, "\(set.title)")
                #expect(set.column(2).reduce(0, +) == rule.rows[0][3], "\(set.title): reached")
            }
        }
    }
}
