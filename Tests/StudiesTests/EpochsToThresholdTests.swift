import Foundation
import LearningDynamics
import NumericalKit
import Testing
@testable import Studies

/// A hand-made record of one init: epochs to threshold of GD and curl (test and train), reached flags.
func thresholdRecord(_ key: String, gd: Double, curl: Double, gdReached: Bool = true, curlReached: Bool = true) -> CellRecord {
    CellRecord(key: key, values: ["gd_test_epochs": gd, "curl_test_epochs": curl, "gd_test_reached": gdReached ? 1 : 0,
                                  "curl_test_reached": curlReached ? 1 : 0, "gd_train_epochs": gd / 2, "curl_train_epochs": curl / 2,
                                  "gd_train_reached": 1, "curl_train_reached": 1, "gd_diverged": 0, "curl_diverged": 0])
}

@Suite("epochs to threshold (Figs. 5, 10, 11)")
struct EpochsToThresholdTests {
    func setups(_ figure: EpochsToThresholdFigure) -> [ThresholdSetup] { figure.cells(.full).map { figure.setup($0, scale: .full) } }
    func grid(_ figure: EpochsToThresholdFigure, variant: Int = 0) -> [Double] {
        var seen: [Double] = []
        for cell in figure.cells(.full) where figure.variantIndex(cell) == variant && !seen.contains(cell[figure.axis.rawValue]) {
            seen.append(cell[figure.axis.rawValue])
        }
        return seen
    }

    @Test("full-scale cells are the paper's grids: values, inits, epochs, sizes, activation, flips, norm constraint")
    func fullGrids() {
        let pGrid: [Double] = [100, 140, 180, 220, 260, 300, 340, 380, 420, 440, 500, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]
        let f5c = EpochsToThresholdFigure.fig5c
        #expect(grid(f5c) == pGrid)
        #expect(f5c.cells(.full).count == 19 * 40)
        for s in setups(f5c) {
            #expect(s.activation == .tanh && !s.normalInit && s.studentScale == 2 && s.teacherScale == 1 && s.flippedHidden == 1)
            #expect(s.epochs == 100_000 && s.normConstraint)
        }
        #expect(Set(setups(f5c).map(\.trainCount)) == Set(pGrid.map { Int($0) }))

        let f5d = EpochsToThresholdFigure.fig5d
        #expect(grid(f5d) == [0.7, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        #expect(f5d.cells(.full).count == 12 * 40)
        #expect(setups(f5d).allSatisfy { $0.trainCount == 10_000 && $0.teacherScale == 1 && $0.epochs == 100_000 && $0.normConstraint })

        let f5e = EpochsToThresholdFigure.fig5e
        #expect(grid(f5e) == [0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3])
        #expect(f5e.cells(.full).count == 13 * 10)
        #expect(setups(f5e).allSatisfy { $0.trainCount == 10_000 && $0.studentScale == 2 && $0.epochs == 200_000 && $0.normConstraint })

        let f5f = EpochsToThresholdFigure.fig5f
        #expect(grid(f5f) == (1...10).map { Double($0) / 10 })
        #expect(f5f.cells(.full).count == 10 * 10)
        #expect(Set(setups(f5f).map(\.flippedHidden)) == Set(1...10))
        #expect(setups(f5f).allSatisfy { $0.trainCount == 2000 && $0.epochs == 100_000 })

        let f10ab = EpochsToThresholdFigure.fig10ab
        #expect(grid(f10ab) == pGrid && f10ab.cells(.full).count == 19 * 40)
        #expect(setups(f10ab).allSatisfy { $0.activation == .relu && $0.normConstraint && $0.flippedHidden == 1 })

        let scales: [Double] = [0.01, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10]
        let f10c = EpochsToThresholdFigure.fig10c
        #expect(grid(f10c) == scales && f10c.cells(.full).count == 17 * 40)
        #expect(setups(f10c).allSatisfy { $0.activation == .relu && $0.trainCount == 10_000 && $0.normConstraint })

        let f11a = EpochsToThresholdFigure.fig11a
        let linP = stride(from: 50.0, through: 150, by: 10).map { $0 }
        #expect(grid(f11a, variant: 0) == linP && grid(f11a, variant: 1) == linP)
        #expect(grid(f11a, variant: 2) == pGrid.map { $0 == 440 ? 460 : $0 } && grid(f11a, variant: 3) == pGrid)
        #expect(f11a.cells(.full).count == (11 + 11 + 19 + 19) * 10)
        #expect(setups(f11a).allSatisfy { !$0.normConstraint && $0.studentScale == 2 })
        #expect(f11a.cells(.full).map { f11a.setup($0, scale: .full) }.filter(\.normalInit).count == (11 + 19) * 10)

        let f11b = EpochsToThresholdFigure.fig11b
        #expect((0..<4).allSatisfy { grid(f11b, variant: $0) == scales })
        #expect(f11b.cells(.full).count == 4 * 17 * 10)
        for cell in f11b.cells(.full) {
            let s = f11b.setup(cell, scale: .full)
            #expect(s.trainCount == (s.activation == .linear ? 150 : 10_000) && !s.normConstraint)
        }

        let f11c = EpochsToThresholdFigure.fig11c
        #expect(grid(f11c) == [0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4])
        #expect(setups(f11c).allSatisfy { $0.epochs == 200_000 && !$0.normConstraint && $0.trainCount == 10_000 } && f11c.cells(.full).count == 170)

        let f11d = EpochsToThresholdFigure.fig11d
        #expect(grid(f11d) == (1...10).map { Double($0) / 10 } && f11d.cells(.full).count == 100)
        #expect(setups(f11d).allSatisfy { !$0.normConstraint && $0.trainCount == 2000 })

        let f5b = LearningCurvesAtP260()
        #expect(f5b.cells(.full).count == 40 && f5b.setup(.full).setup.trainCount == 260 && f5b.setup(.full).setup.epochs == 100_000)
        // Every cell key is distinct (distinct seeds), and every figure is in the catalog.
        for figure in EpochsToThresholdFigure.all {
            #expect(Set(figure.cells(.full).map(\.key)).count == figure.cells(.full).count)
            #expect(FigureCatalog.named(figure.name) != nil)
        }
        #expect(FigureCatalog.named("fig5b") != nil)
    }

    @Test("epochs to threshold: the floored log10 < -3 criterion, logged epochs, never reached = last epoch")
    func crossingConvention() {
        let epochs = [0, 1, 2, 4, 9, 19]
        #expect(ThresholdSetup.epochsToThreshold(losses: [1, 0.1, 0.0011, 0.000999, 1e-9, 0], loggedEpochs: epochs, epochs: 20) == (4, true))
        // E = 1e-3 itself is not below (log10(1e-3 + 1e-15) > -3); a NaN is never below.
        #expect(ThresholdSetup.epochsToThreshold(losses: [1, .nan, 1e-3, 1e-3, 2e-3, 1e-2], loggedEpochs: epochs, epochs: 20) == (19, false))
        // A curve cut short (stopped or diverged) that never crossed still counts as the run's last epoch.
        #expect(ThresholdSetup.epochsToThreshold(losses: [1, 0.5, 0.2], loggedEpochs: [0, 1, 2], epochs: 100_000) == (99_999, false))
        #expect(ThresholdSetup.epochsToThreshold(losses: [1e-4, 1], loggedEpochs: [0, 1], epochs: 10) == (0, true))
    }

    @Test("reductions on hand-made records: mean, SE, reached counts, paired t-test by record, never reached counted")
    func reductions() throws {
        let gd: [Double] = [1000, 1200, 99_999, 800]
        let curl: [Double] = [700, 1100, 99_999, 500]
        let records = (0..<4).map { thresholdRecord("init=\($0)", gd: gd[$0], curl: curl[$0], gdReached: $0 != 2, curlReached: $0 != 2) }
        let point = ThresholdReduction.reduce(records)
        #expect(point.runs == 4 && point.gdReached == 3 && point.curlReached == 3)
        #expect(abs(point.gd!.mean - gd.reduce(0, +) / 4) < 1e-9)
        let m = curl.reduce(0, +) / 4
        let sd = (curl.map { ($0 - m) * ($0 - m) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(point.curl!.mean - m) < 1e-9 && abs(point.curl!.standardError - sd / 2) < 1e-9)
        // Paired: differences 300, 100, 0, 300 -> mean 175, sd 125.83, t = 175 / (125.83 / 2) = 2.7815 (scipy ttest_rel).
        let d: [Double] = [300, 100, 0, 300]
        let dm = 175.0, dsd = (d.map { ($0 - dm) * ($0 - dm) }.reduce(0, +) / 3).squareRoot()
        #expect(abs(point.test!.t - dm / (dsd / 2)) < 1e-9 && point.test!.degreesOfFreedom == 3 && point.test!.t > 0)
        // The pairing is by record: the same values paired differently give another t.
        let shuffled = (0..<4).map { thresholdRecord("init=\($0)", gd: gd[$0], curl: curl[(($0 + 1) % 4)]) }
        #expect(abs(ThresholdReduction.reduce(shuffled).test!.t - point.test!.t) > 0.1)
        // Train epochs are read from their own keys.
        #expect(abs(ThresholdReduction.reduce(records, loss: .train).gd!.mean - point.gd!.mean / 2) < 1e-9)
        // Both never reached everywhere: t is NaN as in scipy (and the reference's P <= 340 rows).
        let never = (0..<3).map { thresholdRecord("init=\($0)", gd: 99_999, curl: 99_999, gdReached: false, curlReached: false) }
        let nanPoint = ThresholdReduction.reduce(never)
        #expect(nanPoint.gd!.mean == 99_999 && nanPoint.test!.t.isNaN && nanPoint.gdReached == 0)
    }

    @Test("tables on hand-made records: per-P rows, pooled t-test, comparison with the reference in standard errors")
    func tablesOnHandMadeRecords() throws {
        let figure = EpochsToThresholdFigure.fig5c
        let cells = Cell.grid([("P", [1000, 2000]), ("init", [0, 1, 2])])
        let gd: [Double] = [2000, 2600, 3000, 2900, 3100, 2800]
        let curl: [Double] = [1500, 1700, 1600, 1000, 1200, 1100]
        let records = cells.indices.map { thresholdRecord(cells[$0].key, gd: gd[$0], curl: curl[$0]) }
        let tables = try figure.tables(records, cells: cells, scale: .quick)
        #expect(tables.map(\.suffix) == ["", "_ttest", "_vs_reference"])
        #expect(tables[0].sets.count == 2 && tables[0].sets[0].rows.map { $0[0] } == [1000, 2000])
        #expect(abs(tables[0].sets[1].rows[1][1] - 1100) < 1e-9)
        let pooled = tables[1].sets[0].rows.last!
        #expect(pooled[0] == 0 && Int(pooled[3]) == 5)
        #expect(abs(pooled[1] - (try PairedTTest.compute(gd, curl)).t) < 1e-9)
        let comparison = tables[2].sets[0].rows
        let row1000 = comparison.first { $0[0] == 1000 }!
        // Reference (fig5c_nb_train_epochs_to_1e-3_vs_P.csv) at P = 1000: GD 2575.4, curl 1563.2; our train epochs are half the test ones here.
        let curlTrain = [750.0, 850, 800]
        let se = try SampleSummary(curlTrain).standardError
        #expect(row1000[7] == 1563.2 && abs(row1000[8] - (800 - 1563.2) / se) < 1e-9)
        #expect(row1000[10] == 2.879530082)
        #expect(comparison.last![0] == 0 && comparison.last![10] == 6.771652532)
        // fig5f pools only alpha_r <= 0.6 and draws GD as a band.
        let f5f = EpochsToThresholdFigure.fig5f
        let fcells = Cell.grid([("alpha_r", [0.1, 0.7]), ("init", [0, 1])])
        let frecords = fcells.indices.map { thresholdRecord(fcells[$0].key, gd: [2000, 2500, 2200, 2400][$0], curl: [1000, 1300, 9000, 8000][$0]) }
        let ftables = try f5f.tables(frecords, cells: fcells, scale: .quick)
        #expect(ftables.map(\.suffix) == ["", "_ttest", "_band", "_vs_reference"])
        #expect(Int(ftables[1].sets[0].rows.last![3]) == 1)
        #expect(abs(ftables[2].sets[0].rows[0][1] - 2275) < 1e-9)
    }

    @Test("the summary calls a grid value significant only with at least 4 degrees of freedom, and flags a quick P unlike the reference's")
    func summaryNeedsEnoughInitsAndFlagsMismatchedSetups() throws {
        let figure = EpochsToThresholdFigure.fig5c
        // Three inits per P (df 2): curl is much faster at P = 1000 (t about 17, p < 0.01), yet no claim is made.
        let cells = Cell.grid([("P", [1000, 2000]), ("init", [0, 1, 2])])
        let gd: [Double] = [3000, 3100, 2950, 2900, 3100, 2800]
        let curl: [Double] = [1000, 1050, 1020, 2800, 3200, 2900]
        let records = cells.indices.map { thresholdRecord(cells[$0].key, gd: gd[$0], curl: curl[$0]) }
        let small = figure.summaryLines(try figure.tables(records, cells: cells, scale: .quick), scale: .quick)
        #expect(small[0].contains("too few inits") && !small[0].contains("significantly faster"))
        // Five inits (df 4) at P = 1000: the claim is made.
        let five = Cell.grid([("P", [1000]), ("init", [0, 1, 2, 3, 4])])
        let records5 = five.indices.map { thresholdRecord(five[$0].key, gd: [3000, 3100, 2950, 3050, 2980][$0], curl: [1000, 1050, 1020, 990, 1010][$0]) }
        let enough = figure.summaryLines(try figure.tables(records5, cells: five, scale: .quick), scale: .quick)
        #expect(enough[0].contains("significantly faster (p < 0.05) at P = [1000]"))
        // fig5f trains on P = 1000 at quick scale where the reference used 2000; the comparison says so, the full scale does not.
        let f5f = EpochsToThresholdFigure.fig5f
        let fcells = Cell.grid([("alpha_r", [0.1]), ("init", [0, 1])])
        let frecords = fcells.indices.map { thresholdRecord(fcells[$0].key, gd: [2000, 2500][$0], curl: [1000, 1300][$0]) }
        for (scale, flagged) in [(Scale.quick, true), (.full, false)] {
            let tables = try f5f.tables(frecords, cells: fcells, scale: scale)
            let comparison = try #require(tables.first { $0.suffix == "_vs_reference" })
            #expect(comparison.notes.contains { $0.contains("NOT the same setup") } == flagged)
            #expect(f5f.summaryLines(tables, scale: scale).last!.contains("P = 1000, the reference on P = 2000") == flagged)
        }
    }

    @Test("stopping once the errors crossed 1e-3 changes no epochs-to-threshold (short real runs)")
    func stoppingEarlyChangesNothing() throws {
        var setup = ThresholdSetup()
        setup.activation = .linear
        setup.trainCount = 200
        setup.studentScale = 2
        setup.epochs = 400
        let stopped = try setup.pairedRecord(key: "a", seed: 7, stopEarly: true)
        let full = try setup.pairedRecord(key: "a", seed: 7, stopEarly: false)
        for rule in ["gd", "curl"] {
            for key in ["test_epochs", "test_reached", "train_epochs", "train_reached"] {
                #expect(stopped.values["\(rule)_\(key)"] == full.values["\(rule)_\(key)"], "\(rule)_\(key)")
            }
            #expect(full.values["\(rule)_epochs_run"] == 400)
        }
        // The runs did reach the threshold and did stop early, so the check is not vacuous.
        #expect(stopped.values["gd_test_reached"] == 1 && stopped.values["gd_epochs_run"]! < 400)
        #expect(stopped.values["curl_test_reached"] == 1 && stopped.values["curl_epochs_run"]! < 400)
        // A tanh run that does not get there within its epochs runs to the end either way.
        var slow = ThresholdSetup()
        slow.trainCount = 100
        slow.epochs = 150
        let a = try slow.pairedRecord(key: "b", seed: 3, stopEarly: true)
        let b = try slow.pairedRecord(key: "b", seed: 3, stopEarly: false)
        #expect(a.values["gd_test_epochs"] == b.values["gd_test_epochs"] && a.values["curl_test_epochs"] == b.values["curl_test_epochs"])
        #expect(a.values["gd_test_reached"] == 0 && a.values["gd_test_epochs"] == 149)

        // The stopped curve is the full curve's prefix, bit for bit.
        let (experiment, _) = try setup.experiment(stopEarly: true)
        let (experimentFull, _) = try setup.experiment(stopEarly: false)
        let problem = try experiment.problems(seed: 7)[1]
        let cut = try experiment.run(problem)
        let whole = try experimentFull.run(problem)
        #expect(cut.testLoss.count < whole.testLoss.count)
        #expect(Array(whole.testLoss.prefix(cut.testLoss.count)) == cut.testLoss && Array(whole.loggedEpochs.prefix(cut.loggedEpochs.count)) == cut.loggedEpochs)
    }
}
