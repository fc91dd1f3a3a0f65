import NodePerturbation
import Studies
import Testing

@Suite("LOCO at depth figures")
struct LOCODepthFigureTests {
    @Test func bothFiguresAreListedAndTheirFullScaleSpansDepthsTwoToTwelve() throws {
        #expect(FigureCatalog.named("loco_depth_variance") != nil && FigureCatalog.named("loco_depth_learning") != nil)
        #expect(Set(LOCODepthVariance().cells(.full).map { $0.integer("depth") }) == Set(2...12))
        let learning = LOCODepthLearning().cells(.full)
        #expect(Set(learning.map { $0.integer("depth") }).min() == 2 && Set(learning.map { $0.integer("depth") }).max() == 12)
    }

    @Test func aRealVarianceCellAgreesWithItsClosedFormsAndReducesToOneRowPerLayer() throws {
        let recipe = LOCODepthVariance()
        let cell = try #require(recipe.cells(.quick).first { $0.integer("depth") == 2 })
        let record = try recipe.compute(cell, seed: 3, scale: .quick)
        let tables = try recipe.tables([record], cells: [cell], scale: .quick)
        // Only depth 2 has a record: its rows are finite, the other depths' NaN.
        let first = tables[0].sets[0].rows, last = tables[0].sets[1].rows
        let row = try #require(first.first { $0[0] == 2 })
        #expect(row.allSatisfy { $0.isFinite })
        #expect(first.filter { $0[0] != 2 }.allSatisfy { $0[1].isNaN })
        for r in [row, try #require(last.first { $0[0] == 2 })] {
            // Monte Carlo within 3 standard errors (the half-width is 1.96 of them) of the closed form, NP and LOCO.
            #expect(abs(r[1] - r[3]) < 3 / 1.96 * r[2], "NP \(r[1]) +- \(r[2]) against \(r[3])")
            #expect(abs(r[4] - r[6]) < 3 / 1.96 * r[5], "LOCO \(r[4]) +- \(r[5]) against \(r[6])")
            #expect(r[4] < r[1] && r[10] < 0.2, "LOCO lowers the variance: \(r)")
        }
        // The deepest network of the quick scale (12) has no record here: its layer table has 12 rows of NaN.
        #expect(tables[1].sets[0].rows.count == 12 && tables[1].sets[0].rows.allSatisfy { $0[1].isNaN })
        #expect(recipe.summaryLines(tables, scale: .quick).count == 6)
    }

    @Test func aRealLearningCellTrainsEveryMethodAndTheReductionKeepsTheBestRate() throws {
        let recipe = LOCODepthLearning()
        let cell = try #require(recipe.cells(.quick).first { $0.integer("depth") == 2 && $0["lr"] > 0.019 && $0["lr"] < 0.021 })
        let record = try recipe.compute(cell, seed: 1, scale: .quick)
        for m in LOCODepthLearning.methods {
            #expect(record.values["\(m.rawValue).stable"] == 1, "\(m) at lr 0.02, depth 2")
            #expect((record.values["\(m.rawValue).final"] ?? 1) < 0.5)
        }
        #expect((record.values["loco.purity"] ?? 0) > 0.9)
        // A second, unstable rate for NP only: the reduction keeps lr 0.02 as NP's best and largest stable rate.
        let other = Cell(index: cell.index + 1, parameters: zip(cell.names, cell.values).map { $0.0 == "lr" ? ("lr", 0.1) : ($0.0, $0.1) })
        var values = record.values
        values["np.stable"] = 0
        values["np.final"] = .nan
        let tables = try recipe.tables([record, CellRecord(key: other.key, values: values)], cells: [cell, other], scale: .quick)
        let np = try #require(tables[0].sets.first { $0.title == "np" }?.rows.first { $0[0] == 2 })
        #expect(np[1] == cell["lr"] && np[2] == cell["lr"] && np[3] == record.values["np.final"])
        #expect(np[7] == 1 && np[5] <= 500, "NP reached the threshold: \(np)")
        let sgd = try #require(tables[0].sets.first { $0.title == "sgd" }?.rows.first { $0[0] == 2 })
        #expect(sgd[1] == 0.1, "SGD stays stable at 0.1 in the doctored record: \(sgd)")
    }
}
