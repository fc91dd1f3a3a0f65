import CurlTheory
import Foundation
import Testing
@testable import Studies

/// mixed_stability and mixed_error: the grids, a real quick run of the stability map (sampled matrices against the
/// free-addition limit), and the error map's protocol on one stable and one unstable cell.
@Suite("mixed-flip figures")
struct MixedFlipMapTests {
    @Test("both figures are in the catalogue, and quick grids are smaller and cheaper than full ones")
    func catalogue() {
        for name in ["mixed_stability", "mixed_error"] {
            let recipe = try! #require(FigureCatalog.named(name))
            let (quick, full) = (recipe.cells(.quick), recipe.cells(.full))
            #expect(quick.count < full.count, "\(name)")
            #expect(Set(full.map(\.key)).count == full.count && full.map(\.index) == Array(full.indices), "\(name)")
        }
        #expect(MixedStabilityMap().cells(.full).count == 2 * 25 * 25 * 10)
        #expect(MixedErrorMap().cells(.full).count == 21 * 21 * 20)
        #expect(Dictionary(uniqueKeysWithValues: MixedErrorMap().parameters(.full))["inputs_M"] == "50")
    }

    @Test("each c has its own window, 1.5 times the pure critical fractions")
    func windows() throws {
        let cells = MixedStabilityMap().cells(.quick)
        for c in [0.3, 0.5] {
            let here = cells.filter { $0["c"] == c }
            #expect(abs((here.map { $0["alpha_h"] }.max() ?? 0) - 1.5 * (try CriticalFraction.hidden(c: c))) <= 1e-12)
            #expect(abs((here.map { $0["alpha_r"] }.max() ?? 0) - 1.5 * (try CriticalFraction.readout(c: c))) <= 1e-12)
        }
    }

    @Test("a real quick run: the cell is the sampled matrix, and the sampled majority verdict agrees with the limit at most points")
    func quickStabilityRun() throws {
        let recipe = MixedStabilityMap()
        // The first draw of every quick cell (the whole quick run takes a minute in a debug build).
        let cells = recipe.cells(.quick).filter { $0["draw"] == 0 }
        let records = try cells.map { try recipe.compute($0, seed: CellSeed.derive(studySeed: 1, key: $0.key), scale: .quick) }
        let probe = try #require(cells.first { $0["c"] == 0.5 && $0["alpha_h"] > 0.02 && $0["alpha_r"] > 0.02 })
        let sample = try SampledStabilityMatrix(layer: .hidden, inputs: 200, hidden: 400, seed: 9)
        let expected = try sample.smallestEigenvalue(flippedInputs: Int(probe["alpha_h"] * 200 + 1e-9), flippedHidden: Int(probe["alpha_r"] * 400 + 1e-9))
        #expect(try recipe.compute(probe, seed: 9, scale: .quick).values["lambda_min"] == expected)

        let tables = try recipe.tables(records, cells: cells, scale: .quick)
        #expect(tables.map(\.suffix) == ["_c0.3", "_c0.3_boundary", "_c0.3_crossing", "_c0.5", "_c0.5_boundary", "_c0.5_crossing"])
        for i in 0..<2 {
            let rows = tables[3 * i].sets.flatMap(\.rows)
            #expect(rows.count == 15 * 15)
            // Measured: the first draws agree at 217/225 (c = 0.3) and 208/225 (c = 0.5); the misses sit at the boundary.
            let agree = rows.count { ($0[4] <= 0) == ($0[3] >= 0.5) }
            #expect(agree >= 190, "c = \(MixedStabilityMap.ratios[i]): \(agree) of 225")
            #expect(rows.allSatisfy { abs($0[4] - (try! MixedFlipSpectrum(c: MixedStabilityMap.ratios[i], alphaHidden: $0[0], alphaReadout: $0[1]).smallestEigenvalue)) == 0 })
            #expect(!tables[3 * i + 2].sets[0].rows.isEmpty)
            let boundary = tables[3 * i + 1].sets[0].rows
            #expect(boundary.first?[0] == 0 && boundary.last?[1] == 0)
        }
        #expect(recipe.summaryLines(tables, scale: .quick).count == 2)
    }

    @Test("the error map's protocol: a stable cell stays at round-off, a deep unstable one leaves the manifold")
    func errorMapCells() throws {
        let recipe = MixedErrorMap()
        let stable = Cell(index: 0, parameters: [("c", 0.3), ("alpha_h", 0), ("alpha_r", 0), ("init", 0)])
        let unstable = Cell(index: 1, parameters: [("c", 0.3), ("alpha_h", 0.8), ("alpha_r", 0.2), ("init", 0)])
        let experiment = try recipe.experiment(unstable, scale: .quick, epochs: 10)
        #expect(experiment.shape.inputs == 23 && experiment.shape.hidden == 76)
        #expect(try experiment.rules[0].flippedInputs.resolved(layerSize: 23, layerName: "inputs") == 18)
        #expect(try experiment.rules[0].flippedHidden.resolved(layerSize: 76, layerName: "hidden") == 15)
        let calm = try recipe.compute(stable, seed: 3, scale: .quick, epochs: 5000)
        let grown = try recipe.compute(unstable, seed: 3, scale: .quick, epochs: 5000)
        #expect((calm.values["max_train"] ?? 1) < 1e-20)
        #expect((grown.values["max_train"] ?? 0) > 1e-3)
        // The runs' own starts: K = |w2|^2 I + W1^T W1 > |w2|^2 I with nothing flipped (lambda_min / |w2|^2 > 1), and
        // deep in the unstable corner K has a negative eigenvalue, as the limit (-2.3) says.
        #expect((calm.values["start_lambda_min"] ?? 0) > 1)
        #expect((grown.values["start_lambda_min"] ?? 0) < 0)
        let tables = try recipe.tables([calm, grown], cells: [stable, unstable], scale: .quick)
        #expect(tables.map(\.suffix) == ["", "_boundary"])
        let lines = recipe.summaryLines(tables, scale: .quick)
        #expect(lines[0].contains("theory-stable cells (1)") && lines[1].contains("theory-unstable cells (1)"))
    }
}
