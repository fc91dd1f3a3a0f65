import Foundation
import SoftCommitteeMachine
import Testing
@testable import Studies

/// scm_curves and scm_escape: their cells at both scales, and their tables on real quick computations (the ODE
/// curves cost well under a second each).
@Suite struct SCMFigureTests {
    @Test func catalogueNamesTheSCMFigures() {
        #expect(FigureCatalog.named("scm_curves") is SCMLearningCurves)
        #expect(FigureCatalog.named("scm_escape") is SCMPlateauEscape)
    }

    @Test func cellsAreTheRulesAndTheFlipCountsAtBothScales() {
        for scale in Scale.allCases {
            let curves = SCMLearningCurves().cells(scale)
            #expect(curves.map { [$0["alpha_h"], $0["flipped_readouts"]] } == [[0, 0], [0.01, 0], [0.1, 0], [0, 1], [0, 2]])
            let escape = SCMPlateauEscape().cells(scale)
            #expect(escape.count == 3 + 4 + 5)
            #expect(escape.allSatisfy { cell in (0...cell.integer("K")).contains(cell.integer("flipped_readouts")) })
            #expect(Set(escape.map(\.key)).count == escape.count)
        }
        #expect(SCMLearningCurves().cost(SCMLearningCurves().cells(.quick)[0], scale: .quick) < SCMLearningCurves().cost(SCMLearningCurves().cells(.full)[0], scale: .full))
    }

    @Test func cellsIgnoreTheirSeedBecauseTheODEIsDeterministic() throws {
        let recipe = SCMLearningCurves()
        let cell = recipe.cells(.quick)[3]
        #expect(try recipe.compute(cell, seed: 1, scale: .quick) == (try recipe.compute(cell, seed: 99, scale: .quick)))
    }

    /// GD passes through Saad and Solla's plateau (closed form 0.0116108 for K = 2) and then learns the teacher;
    /// with input flips or flipped readouts the perfect solution is unstable (the module's fixed-point analysis),
    /// so those curves end far above GD's.
    @Test func gdCrossesThePlateauAndLearnsWhileFlippedRunsDoNot() throws {
        let recipe = SCMLearningCurves()
        let cells = recipe.cells(.quick)
        let records = try cells.map { try recipe.compute($0, seed: 0, scale: .quick) }
        let tables = try recipe.tables(records, cells: cells, scale: .quick)
        #expect(tables.map(\.suffix) == ["", "_summary"])
        let plateau = try SCMSymmetricPlateau(units: 2).generalisationError
        #expect(abs(plateau - 0.0116108) < 1e-7)
        let gd = tables[0].sets[0]
        #expect(gd.title == "GD")
        #expect(gd.rows.last![1] < 1e-6)
        // GD lingers at the plateau height: some output point lies within 2% of it.
        #expect(gd.rows.contains { abs($0[1] - plateau) < 0.02 * plateau })
        let summary = tables[1].sets[0].rows
        #expect(summary.allSatisfy { row in row[4] == 1 })
        for row in summary.dropFirst() {
            #expect(row[3] > 1e-3, "rule alpha_h = \(row[0]), flipped readouts = \(row[1]) reached eps_g \(row[3])")
        }
        #expect(recipe.summaryLines(tables, scale: .quick).count == 1 + cells.count)
    }

    /// With K = M = 2 only GD escapes; the escape time is the first crossing of the threshold on GD's curve.
    @Test func onlyGDEscapesWhenKEqualsM() throws {
        let recipe = SCMPlateauEscape()
        let cells = recipe.cells(.quick).filter { $0.integer("K") == 2 }
        let records = try cells.map { try recipe.compute($0, seed: 0, scale: .quick) }
        let escape = records.map { $0.values["escape_time"]! }
        #expect(escape[0] > 50 && escape[0] < 500)
        #expect(escape.dropFirst().allSatisfy { $0.isNaN })
        #expect(records[0].values["final_eps_g"]! < 1e-6 && records[1].values["final_eps_g"]! > 1e-3)
        // Cross-check the escape time against the dense curve of scm_curves (same start, same flow).
        let curve = try SCMLearningCurves().compute(SCMLearningCurves().cells(.quick)[0], seed: 0, scale: .quick)
        let alpha = curve.series["alpha"]!, eps = curve.series["eps_g"]!
        let before = alpha[eps.lastIndex { $0 > SCMPlateauEscape.threshold }!], after = alpha[eps.firstIndex { $0 <= SCMPlateauEscape.threshold }!]
        #expect(before <= escape[0] && escape[0] <= after)
        let allCells = recipe.cells(.quick)
        let tables = try recipe.tables(cells.map { _ in records[0] } + Array(repeating: CellRecord(key: "", values: [:]), count: allCells.count - cells.count),
                                       cells: allCells, scale: .quick)
        #expect(tables[0].sets.map(\.title) == ["K = 2", "K = 3", "K = 4"])
        #expect(tables[0].sets.map(\.rows.count) == [3, 4, 5])
        #expect(tables[0].sets[0].rows.map { $0[0] } == [0, 1, 2])
    }
}
