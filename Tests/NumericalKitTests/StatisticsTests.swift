import Foundation
import Testing
import NumericalKit

// Reference numbers come from outside this code: Student-t quantiles, a closed-form Cauchy CDF, R's printed
// t.test on the classic `sleep` data, and values printed by scipy.stats.ttest_rel (scipy 1.17.1).

/// The paired t statistic written out from its textbook definition, independent of `PairedTTest`.
private func handT(_ a: [Double], _ b: [Double]) -> Double {
    let d = zip(a, b).map { $0 - $1 }
    let n = Double(d.count)
    let mean = d.reduce(0, +) / n
    let variance = d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
    return mean / (variance / n).squareRoot()
}

@Test func sampleSummaryOfASmallSample() throws {
    // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sum of squared deviations 32, so sd = sqrt(32/7).
    let s = try SampleSummary([2, 4, 4, 4, 5, 5, 7, 9])
    #expect(s.count == 8)
    #expect(s.mean == 5)
    #expect(abs(s.standardDeviation - (32.0 / 7).squareRoot()) <= 1e-15)
    #expect(abs(s.standardError - (32.0 / 7 / 8).squareRoot()) <= 1e-15)
}

@Test func sampleSummaryEdgeCases() throws {
    #expect(throws: NumericalError.self) { try SampleSummary([]) }
    let one = try SampleSummary([3.5])
    #expect(one.count == 1 && one.mean == 3.5)
    #expect(one.standardDeviation.isNaN && one.standardError.isNaN, "n - 1 = 0: no spread estimate")
    // A constant sample has exactly zero spread, although 0.1 summed ten times is not exactly 1.
    let constant = try SampleSummary(Array(repeating: 0.1, count: 10))
    #expect(constant.mean == 0.1 && constant.standardDeviation == 0 && constant.standardError == 0)
    #expect(try SampleSummary([1, .nan, 3]).mean.isNaN)
}

@Test func twoSidedPValuesAtKnownStudentTQuantiles() {
    // t_{0.975}(9) = 2.262157 and t_{0.975}(39) = 2.022691 (6 decimals, so p is 0.05 to about 1e-7).
    #expect(abs(StudentT.twoSidedPValue(t: 2.262157, degreesOfFreedom: 9) - 0.05) <= 1e-6)
    #expect(abs(StudentT.twoSidedPValue(t: -2.262157, degreesOfFreedom: 9) - 0.05) <= 1e-6)
    #expect(abs(StudentT.twoSidedPValue(t: 2.022691, degreesOfFreedom: 39) - 0.05) <= 1e-6)
    // t(1) is the Cauchy law, CDF 1/2 + atan(t)/pi: P(|T| >= 1) = 1/2 and P(|T| >= sqrt(3)) = 1/3 exactly.
    #expect(abs(StudentT.twoSidedPValue(t: 1, degreesOfFreedom: 1) - 0.5) <= 1e-14)
    #expect(abs(StudentT.twoSidedPValue(t: 3.0.squareRoot(), degreesOfFreedom: 1) - 1.0 / 3) <= 1e-14)
    // t(2) has the closed-form tail P(|T| >= t) = 1 - t / sqrt(t^2 + 2).
    for t in [0.5, 2.0, 10.0] {
        #expect(abs(StudentT.twoSidedPValue(t: t, degreesOfFreedom: 2) - (1 - t / (t * t + 2).squareRoot())) <= 1e-14)
    }
}

@Test func twoSidedPValueLimits() {
    #expect(StudentT.twoSidedPValue(t: 0, degreesOfFreedom: 5) == 1)
    #expect(StudentT.twoSidedPValue(t: .infinity, degreesOfFreedom: 5) == 0)
    #expect(StudentT.twoSidedPValue(t: -.infinity, degreesOfFreedom: 5) == 0)
    #expect(StudentT.twoSidedPValue(t: .nan, degreesOfFreedom: 5).isNaN)
    #expect(StudentT.twoSidedPValue(t: 1, degreesOfFreedom: 0).isNaN)
    // The upper tail is computed directly, so tiny p-values survive instead of rounding to 0.
    let tiny = StudentT.twoSidedPValue(t: 40, degreesOfFreedom: 30)
    #expect(tiny > 0 && tiny < 1e-25)
}

@Test func pairedTTestOnStudentsSleepData() throws {
    // Cushny & Peebles' sleep data (R's `sleep`); R's t.test(extra ~ group, paired = TRUE) prints
    // t = -4.0621, df = 9, p-value = 0.002833, mean difference -1.58.
    let drug1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
    let drug2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
    let test = try PairedTTest.compute(drug1, drug2)
    #expect(test.degreesOfFreedom == 9)
    #expect(abs(test.t - handT(drug1, drug2)) <= 1e-13)
    #expect(abs(test.t + 4.0621) <= 5e-5)
    #expect(abs(test.pValue - 0.002833) <= 5e-7)
    #expect(abs(test.meanDifference + 1.58) <= 1e-14)
    // Swapping the samples flips t and keeps p.
    let swapped = try PairedTTest.compute(drug2, drug1)
    #expect(swapped.t == -test.t && swapped.pValue == test.pValue)
    // scipy.stats.ttest_rel(drug1, drug2): statistic -4.062127683382037, pvalue 0.002832890197384273.
    #expect(abs(test.t - -4.062127683382037) <= 1e-13)
    #expect(abs(test.pValue - 0.002832890197384273) <= 1e-15)
}

@Test func pairedTTestMatchesScipyOnEpochCounts() throws {
    // Epoch-like integers. Reference values from scipy.stats.ttest_rel(a, b) (scipy 1.17.1):
    // statistic -2.5827696950997217, pvalue 0.036325408095825275, mean(a - b) = -193.75.
    let a: [Double] = [1520, 980, 2210, 1400, 3005, 1760, 1275, 2490]
    let b: [Double] = [1710, 1100, 2050, 1800, 3350, 1900, 1300, 2980]
    let test = try PairedTTest.compute(a, b)
    #expect(test.degreesOfFreedom == 7)
    #expect(test.meanDifference == -193.75)
    #expect(abs(test.t - -2.5827696950997217) <= 1e-13)
    #expect(abs(test.t - handT(a, b)) <= 1e-13)
    #expect(abs(test.pValue - 0.036325408095825275) <= 1e-14)
}

@Test func pairedTTestWithIdenticalDifferencesMirrorsScipy() throws {
    // scipy: ttest_rel([2,3,4],[1,2,3]) = (inf, 0), the reverse (-inf, 0), and equal samples (nan, nan).
    let up = try PairedTTest.compute([2, 3, 4], [1, 2, 3])
    #expect(up.t == .infinity && up.pValue == 0 && up.meanDifference == 1)
    let down = try PairedTTest.compute([1, 2, 3], [2, 3, 4])
    #expect(down.t == -.infinity && down.pValue == 0)
    let same = try PairedTTest.compute([1, 2, 3], [1, 2, 3])
    #expect(same.t.isNaN && same.pValue.isNaN && same.meanDifference == 0)
    // NaN propagates, as scipy's default nan_policy = 'propagate'.
    let missing = try PairedTTest.compute([1, .nan, 3], [2, 3, 4])
    #expect(missing.t.isNaN && missing.pValue.isNaN)
}

@Test func pairedTTestRejectsBadInput() {
    #expect(throws: NumericalError.self) { try PairedTTest.compute([1, 2, 3], [1, 2]) }
    #expect(throws: NumericalError.self) { try PairedTTest.compute([1], [2]) }
    #expect(throws: NumericalError.self) { try PairedTTest.compute([], []) }
}
