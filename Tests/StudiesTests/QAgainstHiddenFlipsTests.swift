import Testing
@testable import Studies

@Suite("fig3b reductions")
struct QAgainstHiddenFlipsTests {
    @Test("the comparison table puts the reference's critical lines beside the closed form and locates the jump of q")
    func comparisonLocatesTheJump() throws {
        let recipe = QAgainstHiddenFlips()
        let cells = recipe.cells(.quick)
        // q at round-off below alpha = 0.5, O(0.1) from there on; the two inits agree.
        let records = cells.map { CellRecord(key: $0.key, values: ["q": $0["alpha"] < 0.5 ? 1e-30 : 0.1]) }
        let tables = try recipe.tables(records, cells: cells, scale: .quick)
        let comparison = try #require(tables.first { $0.suffix == "_vs_reference" })
        let rows = comparison.sets[0].rows
        #expect(rows.map { $0[0] } == [0.3, 0.4, 0.5])
        #expect(rows.map { $0[1] } == [0.569138, 0.190381, 0.048096])
        #expect(abs(rows[0][2] - 0.558505) < 1e-5, "closed form at c = 0.3: \(rows[0][2])")
        #expect(rows.allSatisfy { $0[3] == 0.375 && $0[4] == 0.5 }, "\(rows)")
        // The mean q table: two inits per point, standard error 0 for equal values.
        let data = tables[0].sets[0].rows
        #expect(data.map { $0[0] } == (0..<9).map { Double($0) / 8 })
        #expect(data.allSatisfy { $0[3] == 2 })
    }
}
