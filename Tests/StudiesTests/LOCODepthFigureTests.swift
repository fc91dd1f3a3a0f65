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

// The time-per-step figure: its timings cannot be checked against a number (no timed tests), so these check what
// is not a timing: the rows of a short real measurement are complete and positive, the bound is min(depth,
// machine), the reduction's bound column is NP + projector part / bound, and the cells run one at a time.
@Suite("LOCO time per step")
struct LOCODepthTimeTests {
    @Test func aShortRealTimingGivesPositiveTimesAndItsBoundIsTheSmallerOfDepthAndMachine() throws {
        let timing = try LOCODepthTiming(steps: 2, repeats: 1, cores: 2)
        timing.warmUp()
        let row = try timing.row(depth: 3)
        #expect([row.sgd, row.np, row.locoInSequence, row.locoAtOnce, row.machine].allSatisfy { $0 > 0 && $0.isFinite }, "\(row)")
        #expect(row.bound == min(3, row.machine))
        #expect(row.speedUp == (row.locoInSequence - row.np) / (row.locoAtOnce - row.np))
    }

    @Test func badTimingSettingsAndDepthsAreRefused() throws {
        #expect(throws: ParameterError.self) { try LOCODepthTiming(steps: 0) }
        #expect(throws: ParameterError.self) { try LOCODepthTiming(repeats: 0) }
        #expect(throws: ParameterError.self) { try LOCODepthTiming(cores: 0) }
        #expect(throws: ParameterError.self) { try LOCODepthTiming(steps: 1, repeats: 1).row(depth: 1) }
    }

    @Test func theTableGivesMillisecondsAndTheFastestLOCOAtOnceTheMachineAllows() throws {
        let recipe = LOCODepthTime()
        #expect(FigureCatalog.named("loco_depth_time") != nil && recipe.runsCellsOneAtATime && !LOCODepthLearning().runsCellsOneAtATime)
        #expect(recipe.cells(.full).map { $0.integer("depth") } == Array(2...12))
        // Two synthetic cells (seconds per step), out of order: depth 4 on an idle 2-core machine, depth 2 under load.
        let cells = recipe.cells(.quick).filter { [2, 4].contains($0.integer("depth")) }.reversed()
        let records = cells.map { cell in
            cell.integer("depth") == 4
                ? CellRecord(key: cell.key, values: ["sgd": 1e-3, "np": 2e-3, "loco_sequence": 6e-3, "loco_at_once": 4e-3, "machine": 1.9])
                : CellRecord(key: cell.key, values: ["sgd": 5e-4, "np": 6e-4, "loco_sequence": 1.6e-3, "loco_at_once": 1.5e-3, "machine": 1.05])
        }
        let rows = try recipe.tables(records, cells: Array(cells), scale: .quick)[0].sets[0].rows
        #expect(rows.map { $0[0] } == [2, 4])
        let deep = rows[1]
        // Projector part 4 ms in sequence, bound min(4, 1.9): at best 2 + 4 / 1.9 ms at once; measured 2x faster.
        #expect(abs(deep[1] - 1) < 1e-12 && abs(deep[4] - 4) < 1e-12 && abs(deep[5] - (2 + 4 / 1.9)) < 1e-12)
        #expect(abs(deep[7] - 2) < 1e-12 && deep[8] == 1.9 && deep[6] == 1.9)
        #expect(abs(rows[0][8] - 1.05) < 1e-12, "a loaded row's bound is the machine's, below its depth")
    }
}
