import Testing
@testable import NodePerturbation

@Test("perturbation sizes outside 1e-8...1e3 are refused before any draw (they overflowed to NaN results)",
      arguments: [1e300, 1e4, 1e-9, 1e-300, 0, -1e-3, .infinity, .nan])
func sigmaOutsideItsRangeIsRefused(sigma: Double) {
    #expect(throws: ParameterError.self) { _ = try NodePerturbationEstimator(sigma: sigma) }
    #expect(throws: ParameterError.self) { _ = try VarianceSweep.run(parameter: .sigma, values: [sigma]) }
}

@Test("perturbation sizes at the ends of the range give finite sweep points")
func sigmaAtTheRangeEndsGivesFiniteResults() throws {
    var base = VarianceSweep.Configuration()
    base.draws = 20
    let range = NodePerturbationEstimator.sigmaRange
    let points = try VarianceSweep.run(parameter: .sigma, values: [range.lowerBound, range.upperBound], base: base)
    for p in points {
        #expect(p.monteCarlo.isFinite && p.standardError.isFinite && p.closedForm.isFinite, "\(p)")
    }
}

@Test("a student scale above 1e6 is refused by the clustered study")
func hugeStudentScaleIsRefused() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    var c = ClusteredStudyConfiguration()
    c.studentScale = 1e200
    #expect(throws: ParameterError.self) { try c.validate(task: task) }
    c.studentScale = ClusteredStudyConfiguration.largestStudentScale
    try c.validate(task: task)
}

@Test("a non-finite loss ends the learning record as diverged without becoming a data point", arguments: [Double.nan, .infinity])
func nonFiniteLossIsNotRecorded(bad: Double) {
    var log = LossLog(every: 1, last: 10)
    #expect(log.record(step: 1) { 0.5 })
    #expect(!log.record(step: 2) { bad })
    #expect(log.diverged)
    #expect(log.steps == [0, 1] && log.losses == [1, 0.5])
    // A finite blow-up (above 1e6) is recorded: it is the data that shows the divergence.
    var finite = LossLog(every: 1, last: 10)
    #expect(!finite.record(step: 1) { 2e6 })
    #expect(finite.diverged && finite.losses == [1, 2e6])
}
