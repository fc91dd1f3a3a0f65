import Foundation
import Testing
@testable import LearningDynamics
@testable import Studies

/// The heat-map recipes (fig3a, fig3a_inset, fig6a, fig6b, fig4, fig8): their full-scale grids are the reference's
/// argLists (values printed by numpy from the formulas of curl-descent.md section 6), and their tables reduce records
/// as the reference's notebooks do. No simulation runs here.
@Suite("heat-map recipes")
struct HeatMapRecipeTests {
    /// numpy: [int(220/(1+1/c)) for c in np.logspace(-1, 2, 20)] and [int(220/(1+c)) ...].
    static let wideM = [20, 27, 37, 50, 65, 83, 103, 123, 142, 159, 174, 185, 195, 202, 207, 210, 213, 215, 216, 217]
    static let wideN = [199, 192, 182, 169, 154, 136, 116, 96, 77, 60, 45, 34, 24, 17, 12, 9, 6, 4, 3, 2]
    /// The same for np.linspace(0.1, 0.7, 20).
    static let zoomM = [20, 25, 30, 35, 40, 45, 49, 53, 57, 61, 64, 68, 71, 74, 77, 80, 82, 85, 88, 90]
    static let zoomN = [199, 194, 189, 184, 179, 174, 170, 166, 162, 158, 155, 152, 148, 145, 142, 139, 137, 134, 131, 129]
    /// The same for np.logspace(-2, 1, 20) (fig4, fig8).
    static let readoutM = [2, 3, 4, 6, 9, 12, 17, 24, 34, 45, 60, 77, 96, 116, 136, 154, 169, 182, 192, 199]
    static let readoutN = [217, 216, 215, 213, 210, 207, 202, 195, 185, 174, 159, 142, 123, 103, 83, 65, 50, 37, 27, 20]
    /// np.linspace(0, 1, 21), as numpy prints it.
    static let alphas = [0.0, 0.05, 0.1, 0.15000000000000002, 0.2, 0.25, 0.30000000000000004, 0.35000000000000003, 0.4, 0.45, 0.5, 0.55,
                         0.6000000000000001, 0.65, 0.7000000000000001, 0.75, 0.8, 0.8500000000000001, 0.9, 0.9500000000000001, 1.0]

    func axis(_ cells: [Cell], _ name: String) -> [Double] { Array(Set(cells.map { $0[name] })).sorted() }

    func expectGrid(_ recipe: HiddenFlipErrorMap, cs expected: [Double], m: [Int], n: [Int], epochs: Int, activation: String) throws {
        let cells = recipe.cells(.full)
        #expect(cells.count == 20 * 21 * 10)
        let cs = axis(cells, "c")
        #expect(cs.count == 20)
        for (c, e) in zip(cs, expected) { #expect(abs(c - e) <= 1e-14 * e, "c = \(c), expected \(e)") }
        #expect(axis(cells, "alpha") == Self.alphas)
        #expect(axis(cells, "init") == (0..<10).map(Double.init))
        #expect(cs.map { GridAxis.sizes(c: $0, total: 220).inputs } == m)
        #expect(cs.map { GridAxis.sizes(c: $0, total: 220).hidden } == n)
        // The experiment of a cell has those sizes, int(M alpha) flipped inputs, no flipped hidden neuron, and the protocol.
        let cell = try #require(cells.first { $0["c"] == cs[4] && $0["alpha"] == Self.alphas[7] })
        let experiment = try recipe.experiment(cell, scale: .full, epochs: epochs)
        #expect(experiment.shape.inputs == m[4] && experiment.shape.hidden == n[4])
        #expect(try experiment.rules[0].flippedInputs.resolved(layerSize: m[4], layerName: "inputs") == Int(Double(m[4]) * Self.alphas[7]))
        #expect(experiment.rules[0].flippedHidden == .count(0))
        #expect(experiment.studentStart == .random(.uniform(scale: 1)) && experiment.teacherInit == .uniform(scale: 1))
        #expect(experiment.activation == .reference(recipe.activation) && experiment.normConstraint)
        #expect(experiment.trainCount == 250 && experiment.testCount == 100)
        guard case .discrete(let options) = experiment.integrator else { Issue.record("not the discrete protocol"); return }
        #expect(options.batchSize == 10 && options.learningRate == 0.1 && options.epochs == epochs)
        #expect(recipe.cost(cell, scale: .full) == Double(epochs))
        let parameters = Dictionary(uniqueKeysWithValues: recipe.parameters(.full))
        #expect(parameters["activation"] == activation && parameters["inits"] == "10" && parameters["batch_size"] == "10")
    }

    @Test("fig3a and fig6a at full scale: c = logspace(-1, 2, 20), alpha_h = linspace(0, 1, 21), 10 inits, 1e5 epochs")
    func wideGrids() throws {
        let cs = GridAxis.logspace(-1, 2, 20)
        #expect(cs.first == 0.1 && cs.last == 100)
        try expectGrid(.fig3a, cs: cs, m: Self.wideM, n: Self.wideN, epochs: 100_000, activation: "lin")
        try expectGrid(.fig6a, cs: cs, m: Self.wideM, n: Self.wideN, epochs: 100_000, activation: "tanh")
        #expect(abs(cs[1] - 0.14384498882876628) < 1e-16 && abs(cs[13] - 11.288378916846883) < 1e-13)
    }

    @Test("fig3a_inset (2e4 epochs) and fig6b (1e5 epochs) at full scale: c = linspace(0.1, 0.7, 20)")
    func zoomGrids() throws {
        let cs = GridAxis.linspace(0.1, 0.7, 20)
        #expect(cs[1] == 0.13157894736842107 && cs[11] == 0.44736842105263164 && cs.last == 0.7)
        try expectGrid(.fig3aInset, cs: cs, m: Self.zoomM, n: Self.zoomN, epochs: 20_000, activation: "lin")
        try expectGrid(.fig6b, cs: cs, m: Self.zoomM, n: Self.zoomN, epochs: 100_000, activation: "tanh")
    }

    @Test("fig4 and fig8 at full scale: c = logspace(-2, 1, 20), alpha_r = linspace(0, 1, 21), 20 inits; fig8 is tanh")
    func readoutGrids() {
        for recipe in [ReadoutFlipMaps.fig4, .fig8] {
            let cells = recipe.cells(.full)
            #expect(cells.count == 20 * 21 * 20)
            let cs = axis(cells, "c")
            #expect(cs.map { ReadoutFlipMaps.sizes(c: $0, total: 220).inputs } == Self.readoutM)
            #expect(cs.map { ReadoutFlipMaps.sizes(c: $0, total: 220).hidden } == Self.readoutN)
            #expect(axis(cells, "alpha") == Self.alphas)
        }
        #expect(ReadoutFlipMaps.fig4.name == "fig4" && ReadoutFlipMaps.fig8.name == "fig8")
        #expect(Dictionary(uniqueKeysWithValues: ReadoutFlipMaps.fig8.parameters(.full))["activation"] == "tanh")
    }

    @Test("the catalog holds every heat map once, and quick grids are smaller than full ones")
    func catalog() {
        let names = FigureCatalog.all.map(\.name)
        #expect(Set(names).count == names.count)
        let heatMaps = ["fig3a", "fig3a_inset", "fig3b", "fig4", "fig6a", "fig6b", "fig8"]
        for name in heatMaps { #expect(FigureCatalog.named(name) != nil, "\(name)") }
        for recipe in FigureCatalog.all where heatMaps.contains(recipe.name) {
            let (quick, full) = (recipe.cells(.quick), recipe.cells(.full))
            #expect(quick.count < full.count && recipe.cost(quick[0], scale: .quick) < recipe.cost(full[0], scale: .full), "\(recipe.name)")
        }
    }

    @Test("the floored error is log10(round(E, 15) + 1e-15), rounding half to even as numpy")
    func flooredLog10() {
        #expect(HiddenFlipErrorMap.flooredLog10(0) == -15)
        #expect(HiddenFlipErrorMap.flooredLog10(1e-30) == -15)
        #expect(HiddenFlipErrorMap.flooredLog10(4.9e-16) == -15)
        #expect(abs(HiddenFlipErrorMap.flooredLog10(6e-16) - log10(2e-15)) < 1e-12)  // rounds up to 1e-15
        #expect(abs(HiddenFlipErrorMap.flooredLog10(2.6e-15) - log10(4e-15)) < 1e-12)  // 2.6e-15 -> 3e-15
        #expect(abs(HiddenFlipErrorMap.flooredLog10(1e-3) - log10(1e-3 + 1e-15)) < 1e-12)
        #expect(abs(HiddenFlipErrorMap.flooredLog10(12.5) - log10(12.5)) < 1e-12)
    }

    @Test("fig3a's tables: the mean over inits of the floored log10 test error, alpha_h = 0 apart, diverged runs left out")
    func hiddenTables() throws {
        let recipe = HiddenFlipErrorMap.fig3a
        let cells = Cell.grid([("c", [0.1, 1]), ("alpha", [0, 0.5, 1]), ("init", [0, 1])])
        // final test errors by (c, alpha), two inits each; NaN is a diverged run.
        let errors: [Double] = [1e-20, 1e-4,  // c 0.1, alpha 0
                                0, 1e-16,  // c 0.1, alpha 0.5
                                1e-2, 1,  // c 0.1, alpha 1
                                1e-6, 1e-8,  // c 1, alpha 0
                                0.1, .nan,  // c 1, alpha 0.5
                                .nan, .nan]  // c 1, alpha 1
        let records = zip(cells, errors).map { cell, e in
            CellRecord(key: cell.key, values: ["final_test": e, "diverged": e.isNaN ? 1 : 0, "M": 1, "N": 1, "flipped": 0])
        }
        let tables = try recipe.tables(records, cells: cells, scale: .full)
        #expect(tables.map(\.suffix) == ["", "_boundary", "_gd"])
        let data = tables[0]
        #expect(data.columns == ["c", "alpha_h", "mean_log10_test", "runs"] && data.layout == .gridScanLines)
        #expect(data.sets.count == 2 && data.sets.allSatisfy { $0.rows.count == 2 })
        let rows = data.sets.flatMap(\.rows)
        #expect(rows.map { [$0[0], $0[1]] } == [[0.1, 0.5], [0.1, 1], [1, 0.5], [1, 1]])
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-12 }
        #expect(close(rows[0][2], -15) && rows[0][3] == 2)
        #expect(close(rows[1][2], (log10(1e-2 + 1e-15) + log10(1 + 1e-15)) / 2))
        #expect(close(rows[2][2], log10(0.1 + 1e-15)) && rows[2][3] == 1)
        #expect(rows[3][2].isNaN && rows[3][3] == 0)
        let gd = tables[2].sets[0].rows
        #expect(gd.count == 2 && close(gd[0][1], (-15 + log10(1e-4 + 1e-15)) / 2) && close(gd[1][1], (log10(1e-6 + 1e-15) + log10(1e-8 + 1e-15)) / 2))
        // The boundary spans the map's c range (from 0.1 up), on the map's axis, and is the linear theory.
        let boundary = tables[1].sets[0].rows
        #expect(boundary.first?[0] == 0.1 && close(boundary.last?[0] ?? 0, 1))
        #expect(boundary.first?[1] == 1 && boundary.last?[1] == 0)
        let lines = recipe.summaryLines(tables, scale: .full)
        #expect(lines.count == 3 && lines[0].contains("below the boundary (2 cells)") && lines[1].contains("above the boundary (2 cells)"))
    }

    @Test("fig4's tables: the mean over inits of log10 E_test without floor, the max over inits of the max train error")
    func readoutTables() throws {
        let cells = Cell.grid([("c", [0.01, 1]), ("alpha", [0, 1]), ("init", [0, 1])])
        let finals: [Double] = [1e-30, 1e-32, 1e-10, .nan, 1e-20, 1e-22, 1e-2, 1e-4]
        let maxima: [Double] = [1e-29, 1e-31, 1e-1, 10, 1e-19, 1e-21, 1, 1e-3]
        let records = cells.indices.map { k in
            CellRecord(key: cells[k].key, values: ["final_test": finals[k], "max_train": maxima[k], "diverged": finals[k].isNaN ? 1 : 0])
        }
        let rows = try ReadoutFlipMaps.fig8.tables(records, cells: cells, scale: .full)[0].sets.flatMap(\.rows)
        for (row, expected) in zip(rows, [[-31.0, -29], [-10, 1], [-21, -19], [-3, 0]]) {
            #expect(abs(row[2] - expected[0]) < 1e-12 && abs(row[3] - expected[1]) < 1e-12, "\(row)")
        }
    }

    @Test("the figures use heatmaps.gp: one panel for the hidden-flip maps (log or linear c axis), two for fig4 and fig8")
    func figurePlans() {
        func texts(_ plan: FigurePlan) -> [String] {
            plan.arguments.compactMap { if case .text(let t) = $0 { t } else { nil } }
        }
        for recipe in [HiddenFlipErrorMap.fig3a, .fig3aInset, .fig6a, .fig6b] {
            let plan = recipe.figure
            #expect(plan.script == "heatmaps.gp" && plan.arguments.count == 6)
            #expect(texts(plan)[0] == (recipe.axis == .wide ? "log" : "lin"))
            #expect(texts(plan).last?.hasPrefix("3|") == true)
        }
        for recipe in [ReadoutFlipMaps.fig4, .fig8] {
            let plan = recipe.figure
            #expect(plan.arguments.count == 7 && texts(plan)[0] == "log")
            #expect(texts(plan)[3].hasPrefix("3|") && texts(plan)[4].hasPrefix("4|"))
        }
    }
}
