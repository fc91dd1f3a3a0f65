import NumericalKit
import Testing
import NodePerturbation

// loco.md 2.3 and 5.1: the NP variance sweeps agree with the linearised closed forms at small sigma.

@Suite("VarianceSweep: Monte Carlo against the closed forms")
struct VarianceSweepTests {
    static let cases: [(SweepParameter, [Double])] = [
        (.width, [4, 12]),
        (.depth, [1, 3]),
        (.layers, [1, 2, 3]),
        (.sigma, [1e-4, 1e-3, 1e-2]),
        (.rank, [1, 3, 8]),
    ]

    @Test("Monte Carlo lies within 4 standard errors of the closed form", arguments: 0..<5)
    func agreement(index: Int) throws {
        let (parameter, values) = Self.cases[index]
        var base = VarianceSweep.Configuration()
        base.draws = 400
        base.sigma = 1e-3
        base.seed = 7
        if parameter == .layers { base.depth = 2 }
        let points = try VarianceSweep.run(parameter: parameter, values: values, base: base)
        #expect(points.map(\.value) == values)
        for p in points {
            #expect(p.monteCarlo > 0 && p.standardError > 0 && p.closedForm > 0, "\(parameter) \(p)")
            #expect(p.standardError < 0.2 * p.monteCarlo, "\(parameter) \(p)")
            #expect(p.standardizedDeviation < 4, "\(parameter) = \(p.value): MC \(p.monteCarlo) +- \(p.standardError), closed form \(p.closedForm)")
        }
    }

    @Test("closed forms: one layer below all layers, rank n_0 equals no projection, the rank-r form grows with r")
    func closedFormStructure() throws {
        var base = VarianceSweep.Configuration()
        base.draws = 20
        base.depth = 2
        let layers = try VarianceSweep.run(parameter: .layers, values: [1, 2, 3], base: base)
        #expect(layers[0].closedForm < layers[1].closedForm && layers[1].closedForm < layers[2].closedForm)
        let plain = try VarianceSweep.run(parameter: .sigma, values: [base.sigma], base: base)[0]
        #expect(abs(layers[2].closedForm - plain.closedForm) <= 1e-12 * plain.closedForm)
        let ranks = try VarianceSweep.run(parameter: .rank, values: [1, 4, Double(base.inputs)], base: base)
        #expect(ranks[0].closedForm < ranks[1].closedForm && ranks[1].closedForm < ranks[2].closedForm)
        #expect(abs(ranks[2].closedForm - plain.closedForm) <= 1e-9 * plain.closedForm)
        #expect(abs(ranks[2].monteCarlo - plain.monteCarlo) <= 1e-9 * plain.monteCarlo)
    }

    @Test("the same seed gives the same numbers; sizes and values out of range are refused")
    func determinismAndBadInput() throws {
        var base = VarianceSweep.Configuration()
        base.draws = 30
        #expect(try VarianceSweep.run(parameter: .width, values: [5], base: base) == VarianceSweep.run(parameter: .width, values: [5], base: base))
        #expect(throws: ParameterError.self) { try VarianceSweep.run(parameter: .width, values: [], base: base) }
        #expect(throws: ParameterError.self) { try VarianceSweep.run(parameter: .width, values: [2.5], base: base) }
        #expect(throws: ParameterError.self) { try VarianceSweep.run(parameter: .rank, values: [Double(base.inputs + 1)], base: base) }
        #expect(throws: ParameterError.self) { try VarianceSweep.run(parameter: .layers, values: [3], base: base) }
        base.draws = 1
        #expect(throws: ParameterError.self) { try VarianceSweep.run(parameter: .sigma, values: [1e-3], base: base) }
    }

    @Test("default value lists are valid for the default configuration")
    func defaults() {
        for parameter in SweepParameter.allCases {
            let values = parameter.defaultValues()
            #expect(values.count >= 2, "\(parameter)")
            #expect(values == values.sorted(), "\(parameter)")
        }
    }
}
