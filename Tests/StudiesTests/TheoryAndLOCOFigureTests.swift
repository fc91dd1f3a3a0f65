import CurlTheory
import Foundation
import NodePerturbation
import Testing
@testable import Studies

/// fig2, fig7 and the LOCO figures: full-scale cells carry the paper's (spec's) parameters, and the reductions
/// turn records into the right tables. No long runs: records are made up or come from tiny computations.
@Suite struct TheoryAndLOCOFigureTests {
    @Test func catalogueNamesTheNewFigures() {
        for name in ["fig2", "fig7", "loco_variance", "loco_learning", "loco_failure"] { #expect(FigureCatalog.named(name) != nil, "\(name)") }
        #expect(Set(FigureCatalog.all.map(\.name)).count == FigureCatalog.all.count)
    }

    @Test func fig2FullScaleIsThePapersGrid() throws {
        let recipe = PhaseDiagrams()
        let grid = try recipe.theoryGrid(.full)
        // The reference's masks: 500 x 500, c = logspace(-3, 2, 500).
        #expect(grid.ratios.count == 500 && grid.alphas.count == 500)
        #expect(grid.ratios.first == 1e-3 && grid.ratios.last == 1e2)
        #expect(abs(grid.ratios[250] - pow(10, -3 + 5 * 250.0 / 499)) < 1e-12 * grid.ratios[250])
        // The finite-size overlay of `phase-diagram --empirical 220`: 30 c x 21 alpha x 5 draws, both layers.
        let cells = recipe.cells(.full)
        #expect(cells.count == 2 * 30 * 21 * 5)
        #expect(Set(cells.map { $0["layer"] }) == [0, 1])
        #expect(recipe.parameters(.full).contains { $0 == ("empirical_size", "220") })
        #expect(EmpiricalPhaseDiagram.shape(c: 1, size: 220) == (110, 110))
        #expect(EmpiricalPhaseDiagram.shape(c: 1e-3, size: 220) == (1, 219))
    }

    @Test func fig2CellMeasuresTheSampledMatrix() throws {
        let recipe = PhaseDiagrams()
        let cell = Cell(index: 0, parameters: [("layer", 1), ("c", 1), ("alpha", 0.5), ("draw", 0)])
        let record = try recipe.compute(cell, seed: 7, scale: .quick)
        let sample = try SampledStabilityMatrix(layer: .readout, inputs: 110, hidden: 110, seed: 7)
        #expect(record.values["lambda_min"] == (try sample.smallestEigenvalue(flipped: 55)))
        #expect(record.values["flipped"] == 55)
    }

    @Test func fig2ReductionAveragesDrawsAndMarksTheTheory() throws {
        let recipe = PhaseDiagrams()
        let cells = recipe.cells(.quick)
        // lambda_min = -1 for draw 0 and +1 for the others: unstable fraction 1/3, mean -1/3 + 2/3 = 1/3.
        let records = cells.map { CellRecord(key: $0.key, values: ["lambda_min": $0["draw"] == 0 ? -1 : 1]) }
        let tables = try recipe.tables(records, cells: cells, scale: .quick)
        #expect(tables.map(\.suffix) == ["_hidden", "_hidden_boundary", "_hidden_empirical", "_readout", "_readout_boundary", "_readout_empirical"])
        let empirical = tables[2].sets.flatMap(\.rows)
        #expect(empirical.count == 15 * 11)
        for row in empirical {
            #expect(abs(row[2] - 1.0 / 3) < 1e-12)
            #expect(abs(row[3] - 1.0 / 3) < 1e-12)
        }
        // Theory grid: unstable iff alpha > alpha_c(c); the boundary at c = 0.3 (hidden) is 0.5585.
        let theory = tables[0].sets.flatMap(\.rows)
        #expect(theory.count == 200 * 200)
        for row in theory.prefix(5000) { #expect((row[2] == 1) == (row[1] > (try CriticalFraction.value(c: row[0], layer: .hidden)))) }
        #expect(abs((try CriticalFraction.value(c: 0.3, layer: .hidden)) - 0.5585) < 1e-4)
        #expect(abs((try CriticalFraction.value(c: 1, layer: .readout)) - 0.055059) < 1e-6)
        let agreement = PhaseDiagrams.agreement(theory: tables[0], empirical: tables[2], layer: .hidden, size: 220)
        #expect(agreement.total == 165)
    }

    @Test func fig7FullScaleIsThePapersSamples() throws {
        let recipe = Spectra()
        let s = recipe.settings(.full)
        #expect(s.samples.map { [$0.inputs, $0.hidden, $0.flipped] } == [[4000, 400, 200], [1000, 10000, 700]])
        #expect(s.samples.map(\.layer) == [.readout, .hidden])
        #expect(s.samples[0].c == 10 && s.samples[0].alpha == 0.5)
        #expect(s.samples[1].c == 0.1 && abs(s.samples[1].alpha - 0.7) < 1e-15)
        #expect(s.bins == 100)
        #expect(recipe.cells(.full).count == 2)
        // The quick samples keep c and alpha.
        for (q, f) in zip(recipe.settings(.quick).samples, s.samples) {
            #expect(q.layer == f.layer && abs(q.c - f.c) < 1e-12 && abs(q.alpha - f.alpha) < 1e-12)
        }
    }

    @Test func fig7ReductionHasTheTheoryEdgesAndANormalisedHistogram() throws {
        let recipe = Spectra()
        let cells = recipe.cells(.quick)
        // Made-up eigenvalues: inside the bands of each law (and at the readout atom 0).
        let records = cells.map { cell in
            CellRecord(key: cell.key, series: ["eigenvalues": cell.integer("panel") == 0 ? [-1, 0, 0, 0, 1] : [5, 10, 15]])
        }
        let tables = try recipe.tables(records, cells: cells, scale: .quick)
        #expect(tables.map(\.suffix) == ["_readout", "_hidden", "_summary"])
        // curl-descent.md 4.4: sextic roots +-1.46969, +-0.58095 at c = 10, alpha_r = 0.5; 4.3: [4.01913, 17.15526] at c = 0.1, p+ = 0.3.
        let readoutEdges = tables[0].sets[1].rows.map { $0[0] }
        #expect(zip(readoutEdges, [-1.46969, -0.58095, 0.58095, 1.46969]).allSatisfy { abs($0 - $1) < 1e-5 })
        let hiddenEdges = tables[1].sets[1].rows.map { $0[0] }
        #expect(zip(hiddenEdges, [4.01913, 17.15526]).allSatisfy { abs($0 - $1) < 1e-5 })
        // Readout: an atom of mass 1 - N/M = 0.9 at 0.
        #expect(tables[0].sets[3].rows.count == 1 && abs(tables[0].sets[3].rows[0][1] - 0.9) < 1e-9 && abs(tables[0].sets[3].rows[0][0]) < 1e-9)
        for t in tables.prefix(2) {
            let histogram = t.sets[2].rows
            #expect(histogram.count == 100)
            let width = histogram[1][0] - histogram[0][0]
            #expect(abs(histogram.reduce(0) { $0 + $1[1] * width } - 1) < 1e-9)
        }
        #expect(tables[2].sets.allSatisfy { $0.rows[0][10] == 1 })
        #expect(tables[2].sets[0].rows[0][0] == 1000 && tables[2].sets[1].rows[0][1] == 3000)
    }

    @Test func spectrumComparisonSpansEdgesAndSamples() throws {
        let theory = try FlipLayer.hidden.spectrum(c: 0.1, alpha: 0.7)
        let c = try SpectrumComparison(theory: theory, eigenvalues: [0, 30], points: 10, bins: 4)
        #expect(c.xMin == 0 && c.xMax == 30)  // the samples reach beyond the padded support [4.02, 17.16]
        #expect(c.curve.count == 10 && c.curve.first![0] == 0 && c.curve.last![0] == 30)
        #expect(c.histogram.map { $0[2] } == [1, 0, 0, 1])
        let empty = try SpectrumComparison(theory: theory, eigenvalues: [], points: 10, bins: 4)
        #expect(empty.histogram.isEmpty && empty.xMin < theory.edges[0] && empty.xMax > theory.edges[1])
    }

    @Test func locoVarianceFullScaleAndReduction() throws {
        let recipe = LOCOVariance()
        #expect(recipe.cells(.full).count == 2 * 6)  // S1, S2 x 6 batches (loco.md 7.3)
        #expect(recipe.sizes(.full) == (6, 2000))
        #expect(recipe.parameters(.full).contains { $0 == ("sigma", "0.01") } && recipe.parameters(.full).contains { $0 == ("batch_size", "32") })
        let cells = recipe.cells(.full)
        let records = cells.map { cell in
            CellRecord(key: cell.key, values: Dictionary(uniqueKeysWithValues: LOCOVariance.variants.flatMap { v in
                LOCOVariance.quantities.map { ("\(v).\($0)", cell["batch"] + (cell["setting"] == 2 ? 10 : 0)) }
            }))
        }
        let rows = try recipe.tables(records, cells: cells, scale: .full)[0].sets[0].rows
        #expect(rows.count == 2 * LOCOVariance.variants.count)
        // Batches 0...5: mean 2.5, sd sqrt(3.5), half-width 1.96 sqrt(3.5 / 6); median 2.5. S2: shifted by 10.
        #expect(rows[0][2] == 2.5 && abs(rows[0][3] - 1.96 * (3.5 / 6).squareRoot()) < 1e-12 && rows[0][16] == 2.5)
        #expect(rows[5][0] == 2 && rows[5][2] == 12.5)
        #expect(LOCOVariance.median([3, 1, 2]) == 2 && LOCOVariance.median([]).isNaN)
        #expect(LOCOVariance.meanAndHalfWidth([4]) == (4, 0))
    }

    @Test func locoVarianceVariantsMatchTheStudy() throws {
        let task = try ClusteredTask(setting: .s1, seed: 3)
        let study = try VarianceStudy.clustered(task: task, configuration: ClusteredStudyConfiguration(), sigma: 0.01, draws: 20, seed: 3, threads: 1)
        #expect(study.layers[0].variants.map(\.name) == LOCOVariance.variants)
    }

    @Test func locoLearningFullScaleIsTheSpecsProtocol() {
        let full = LearningSweep.grid(.full)
        #expect(full.count == 16 && full.first == 1e-3 && abs(full.last! - 1) < 1e-12)
        #expect(LearningSweep.grid(.quick) == Array(full[5...13]))
        let groups = LOCOLearningCurves().groups(.full)
        #expect(groups.map(\.student) == [.linear, .tanh] && groups.map(\.steps) == [3000, 4000])
        #expect(groups.allSatisfy { $0.methods == LearningMethod.allCases && !$0.mixedBatches && $0.setting == .s1 })
        #expect(LOCOLearningCurves().cells(.full).count == 2 * 16 * 3)
        let failure = LOCOFailure().groups(.full)
        #expect(failure.map(\.mixedBatches) == [false, true] && failure.allSatisfy { $0.methods == [.np, .loco] && $0.steps == 3000 })
    }

    @Test func learningSweepPicksTheBestStableRate() {
        let group = LearningSweep.Group(title: "t", student: .linear, setting: .s1, methods: [.np], mixedBatches: false, steps: 100, target: 0.01)
        func record(_ lr: Double, _ r: Int, stable: Bool, losses: [Double]) -> (cell: Cell, record: CellRecord) {
            let cell = Cell(index: 0, parameters: [("group", 0), ("lr", lr), ("repeat", Double(r))])
            var values: [String: Double] = ["np.stable": stable ? 1 : 0, "np.final": losses.last!, "np.every": 50]
            for (k, l) in losses.enumerated() { values["np.loss\(k)"] = l }
            return (cell, CellRecord(key: cell.key, values: values))
        }
        let records = [record(0.01, 0, stable: true, losses: [1, 0.5, 0.1]), record(0.01, 1, stable: true, losses: [1, 0.3, 0.1]),
                       record(0.1, 0, stable: true, losses: [1, 0.01, 0.001]), record(0.1, 1, stable: true, losses: [1, 0.005, 0.003]),
                       // lr 1 has one unstable repeat: not stable, although its other repeat is the best run.
                       record(1, 0, stable: true, losses: [1, 1e-6, 1e-9]), record(1, 1, stable: false, losses: [1, 1e9])]
        let r = LearningSweep.reduce(group, records: records)[0]
        #expect(r.bestRate == 0.1 && r.largestStableRate == 0.1)
        #expect(r.curve == [[0, 1], [50, 0.0075], [100, 0.002]])
        #expect(r.stepsToTarget == 50 && r.finalLoss == 0.002)
    }
}
