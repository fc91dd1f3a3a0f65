import StudentTeacherCore
import Testing
import CurlTheory

@Test("sampled stability matrices whose sizes M N or M^2 overflow Int are refused instead of trapping")
func overflowingSampleSizesAreRefused() {
    for (m, n) in [(Int.max / 2, 4), (4, Int.max / 2), (Int(Int32.max) * 4, 1)] {
        #expect(throws: ParameterError.self, "M = \(m), N = \(n)") { _ = try SampledStabilityMatrix(layer: .hidden, inputs: m, hidden: n, seed: 1) }
    }
}
