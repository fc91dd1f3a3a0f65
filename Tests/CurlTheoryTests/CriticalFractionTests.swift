import Foundation
import StudentTeacherCore
import Testing
import CurlTheory

// Closed-form phase boundaries of the reference spec curl-descent.md sections 4.3-4.4 against the values quoted
// there and in the issue, their exact points and limits, and the reference data in Tests/Fixtures/reference-data
// (critical_fractions_closed_form.csv, the reference notebook's saved masks and critical lines).

@Test func hiddenCriticalFractionMatchesQuotedValues() throws {
    #expect(abs(try CriticalFraction.hidden(c: 0.3) - 0.55850) < 5e-6)
    #expect(abs(try CriticalFraction.hidden(c: 0.4) - 0.17718) < 5e-6)
    #expect(abs(try CriticalFraction.hidden(c: 0.5) - 0.04667) < 5e-6)
}

@Test func hiddenCriticalFractionIsOneUpToAQuarterAndZeroFromTwoThirds() throws {
    for c in [1e-9, 0.001, 0.1, 0.2, 0.25] { #expect(try CriticalFraction.hidden(c: c) == 1) }
    for c in [2.0 / 3, 0.7, 1, 2, 100, 1e9] { #expect(try CriticalFraction.hidden(c: c) == 0) }
}

@Test func hiddenCriticalFractionSkipsTheSpuriousRootAboveTwoThirds() throws {
    // At c = 1 the boundary cubic still has a root at 0.0551 (section 4.3), but a finite fraction of flips is unstable there.
    let cubic = CriticalFraction.hiddenBoundaryCubic(c: 1)
    let spurious = 0.055059212578845
    let value = cubic.reversed().reduce(0) { $0 * spurious + $1 }
    #expect(abs(value) < 1e-12)
    #expect(try CriticalFraction.hidden(c: 1) == 0)
}

@Test func hiddenCriticalFractionDecreasesContinuouslyBetweenItsRegimes() throws {
    var previous = 1.0
    for i in 1..<2000 {
        let c = 0.25 + (2.0 / 3 - 0.25) * Double(i) / 2000
        let alpha = try CriticalFraction.hidden(c: c)
        #expect((0...1).contains(alpha) && alpha <= previous, "c = \(c): \(alpha) after \(previous)")
        previous = alpha
    }
    // Local behaviour at the two ends (section 4.3): 1 - 12(c - 1/4) and (81/80)(2/3 - c)^2.
    let h = 1e-5
    #expect(abs((1 - (try CriticalFraction.hidden(c: 0.25 + h))) / (12 * h) - 1) < 1e-3)
    #expect(abs(try CriticalFraction.hidden(c: 2.0 / 3 - 1e-3) / (81.0 / 80 * 1e-6) - 1) < 1e-2)
}

@Test func readoutCriticalFractionMatchesExactAndQuotedValues() throws {
    #expect(abs(try CriticalFraction.readout(c: 0.25) - 5.0 / 32) < 1e-14)
    #expect(abs(try CriticalFraction.readout(c: 1) - (1 - 3 / (2 * pow(4, 1.0 / 3)))) < 1e-14)
    #expect(abs(try CriticalFraction.readout(c: 0.1) - 0.24464) < 5e-6)
}

@Test func readoutCriticalFractionHasItsSmallAndLargeRatioLimits() throws {
    // alpha_r^c = 1/2 - sqrt(c) + c/2 + O(c^{3/2}) as c -> 0 and ~ 1/(16c) as c -> infinity (section 4.4).
    for c in [1e-6, 1e-8] {
        let alpha = try CriticalFraction.readout(c: c)
        #expect(abs(alpha / (0.5 - c.squareRoot()) - 1) < 1e-5)
        #expect(abs((0.5 - alpha) / c.squareRoot() - 1) < 1e-3, "the O(sqrt c) splitting itself, not just 1/2")
    }
    for c in [1e4, 1e8] {
        #expect(abs(try CriticalFraction.readout(c: c) * 16 * c - 1) < 1e-3)
    }
}

@Test func readoutCriticalFractionIsTheSmallestRootInTheUnitInterval() throws {
    // For c < 1/4 the cubic has three real roots (c = 0.1: 0.2446, 0.8442, 1.5736); the boundary is the first.
    var previous = 0.5
    for i in 0...400 {
        let c = pow(10, -8 + 16 * Double(i) / 400)
        let alpha = try CriticalFraction.readout(c: c)
        #expect(alpha > 0 && alpha < previous, "c = \(c): \(alpha) after \(previous)")
        previous = alpha
        let cubic = CriticalFraction.readoutBoundaryCubic(c: c)
        let r = { (a: Double) in cubic.reversed().reduce(0) { $0 * a + $1 } }
        // R < 0 on a fine grid of (0, alpha): no smaller root was skipped.
        #expect((1..<200).allSatisfy { r(alpha * Double($0) / 200) < 0 }, "c = \(c)")
    }
}

@Test func everyRowOfTheClosedFormTableIsReproduced() throws {
    let table = try ReferenceTable("critical_fractions_closed_form.csv")
    #expect(table.rows.count == 26)
    var worst = (hidden: 0.0, readout: 0.0)
    for row in table.rows {
        let (c, hidden, readout) = (row[0], row[1], row[2])
        let h = try CriticalFraction.hidden(c: c), r = try CriticalFraction.readout(c: c)
        // The file holds 6 significant digits.
        #expect(abs(h - hidden) <= 1e-5 * hidden + 1e-12, "c = \(c): alpha_h \(h) vs \(hidden)")
        #expect(abs(r - readout) <= 1e-5 * readout, "c = \(c): alpha_r \(r) vs \(readout)")
        worst = (max(worst.hidden, abs(h - hidden)), max(worst.readout, abs(r - readout)))
    }
    print("critical_fractions_closed_form.csv: max |diff| hidden \(worst.hidden), readout \(worst.readout)")
}

/// The reference's hidden-layer masks (M = 500 rows alpha = nAH/500): the first unstable row brackets alpha_h^c
/// from above within one row, 1/500; a mask never unstable below row 499 means alpha_h^c > 0.998.
@Test(arguments: ["L1_hidden_phase_boundary_logc.csv", "L1_hidden_phase_boundary_zoom.csv"])
func hiddenBoundaryLiesWithinOneRowOfTheReferenceMask(file: String) throws {
    let table = try ReferenceTable(file)
    #expect(table.rows.count == 500)
    let step = 1.0 / 500
    var worst = 0.0
    for (c, (firstUnstable, quoted)) in zip(table.column("c"),
                                            zip(table.column("alpha_h_first_unstable_from_mask"), table.column("alpha_h_closed_form"))) {
        let alpha = try CriticalFraction.hidden(c: c)
        let upper = firstUnstable.isNaN ? 1 : firstUnstable
        #expect(alpha >= upper - step - 1e-12 && alpha <= upper + 1e-12, "c = \(c): \(alpha) vs mask \(firstUnstable)")
        #expect(abs(alpha - quoted) <= 1e-5 * quoted + 1e-12, "c = \(c): the file's closed-form column")
        worst = max(worst, abs(alpha - upper))
    }
    print("\(file): max |alpha_h^c - first unstable row| = \(worst) (row spacing \(step))")
}

/// The reference's readout mask (M = 1000, N = int(M/c), rows nAH = int(linspace(1, N - 1, 500)), alpha = nAH/N):
/// alpha_r^c lies between the last stable row and the first unstable one.
@Test func readoutBoundaryLiesBetweenTheReferenceMaskRows() throws {
    let table = try ReferenceTable("L2_readout_phase_boundary_logc.csv")
    #expect(table.rows.count == 500)
    var worst = 0.0, worstInSteps = 0.0
    for row in table.rows {
        let (c, n, firstUnstable, quoted) = (row[0], Int(row[1]), row[2], row[3])
        let grid = numpyLinspace(1, Double(n - 1), 500).map { Double(Int($0)) / Double(n) }
        let i = try #require(grid.firstIndex { abs($0 - firstUnstable) < 1e-6 }, "c = \(c): \(firstUnstable) is not a grid row")
        let lower = i > 0 ? grid[i - 1] : 0
        let alpha = try CriticalFraction.readout(c: c)
        // 1e-5 slack: the reference found edges with np.roots on a sextic at s = 0.1 (at c = 0.1427 it marks a row
        // 2.3e-6 below the closed form unstable, where the lower edge is ~5e-5 s^2 above -s^2).
        #expect(alpha > lower && alpha <= grid[i] + 1e-5, "c = \(c): \(alpha) not in (\(lower), \(grid[i])]")
        #expect(abs(alpha - quoted) <= 1e-5 * quoted, "c = \(c): the file's closed-form column")
        worst = max(worst, abs(alpha - firstUnstable))
        worstInSteps = max(worstInSteps, abs(alpha - firstUnstable) / (grid[i] - lower))
    }
    print("L2_readout_phase_boundary_logc.csv: max |alpha_r^c - first unstable row| = \(worst) (\(worstInSteps) row spacings)")
}

@Test func criticalRatioMatchesFig3bAndTheQuotedInverses() throws {
    // fig3b_notebook_critical_c.csv: the closed form, and the notebook's grid point just below it.
    let table = try ReferenceTable("fig3b_notebook_critical_c.csv")
    for row in table.rows {
        let (alpha, notebook, closedForm) = (row[0], row[1], row[2])
        let c = try CriticalFraction.criticalRatio(alpha: alpha, layer: .hidden)
        #expect(abs(c - closedForm) <= 1e-5 * closedForm, "alpha = \(alpha): \(c) vs \(closedForm)")
        #expect(notebook <= c && c - notebook < 5e-3, "alpha = \(alpha): notebook \(notebook)")
    }
    // Section 4.3: 0.4 <-> 0.3294, 0.5 <-> 0.3097, 0.6 <-> 0.2937.
    for (alpha, c) in [(0.4, 0.3294), (0.5, 0.3097), (0.6, 0.2937)] {
        #expect(abs(try CriticalFraction.criticalRatio(alpha: alpha, layer: .hidden) - c) < 5e-5)
    }
}

/// The notebooks' dashed critical lines sit at a grid point of c = logspace(-3, 2, 500) and at (first unstable
/// mask row - 1)/499, within one mask row (2e-3) of the closed form at that grid point.
@Test(arguments: [("fig3b_notebook_critical_lines.csv", FlipLayer.hidden), ("L2_notebook_critical_lines.csv", .readout)])
func notebookCriticalLinesAgreeWithTheClosedForm(file: String, layer: FlipLayer) throws {
    let table = try ReferenceTable(file)
    #expect(table.rows.count == 3)
    for row in table.rows {
        let (nominal, gridPoint, notebook, closedForm) = (row[0], row[1], row[2], row[3])
        #expect(abs(try CriticalFraction.value(c: nominal, layer: layer) - closedForm) <= 1e-5 * closedForm)
        #expect(abs(try CriticalFraction.value(c: gridPoint, layer: layer) - notebook) < 2e-3, "\(file), c = \(gridPoint)")
    }
}

@Test(arguments: FlipLayer.allCases)
func criticalRatioInvertsTheCriticalFraction(layer: FlipLayer) throws {
    let top = layer == .hidden ? 1.0 : 0.5
    var previous = 0.0
    for i in stride(from: 499, through: 1, by: -1) {
        let alpha = top * Double(i) / 500
        let c = try CriticalFraction.criticalRatio(alpha: alpha, layer: layer)
        #expect(abs(try CriticalFraction.value(c: c, layer: layer) - alpha) < 1e-10, "\(layer), alpha = \(alpha), c = \(c)")
        #expect(c > previous, "c* increases as alpha decreases")
        previous = c
    }
    #expect(try CriticalFraction.criticalRatio(alpha: 0, layer: layer) == .infinity)
}

@Test func criticalRatioAtTheEndsOfTheFractionRange() throws {
    #expect(try CriticalFraction.criticalRatio(alpha: 1, layer: .hidden) == 0.25)
    #expect(try CriticalFraction.criticalRatio(alpha: 0.5, layer: .readout) == 0)
    #expect(try CriticalFraction.criticalRatio(alpha: 0.9, layer: .readout) == 0)
    #expect(abs(try CriticalFraction.criticalRatio(alpha: 5.0 / 32, layer: .readout) - 0.25) < 1e-12)
}

@Test func instabilityMeansAlphaAboveTheCriticalFraction() throws {
    #expect(try !CriticalFraction.isUnstable(c: 0.2, alpha: 1, layer: .hidden), "c < 1/4 is stable with every input flipped")
    #expect(try !CriticalFraction.isUnstable(c: 5, alpha: 0, layer: .hidden), "gradient descent is stable")
    #expect(try CriticalFraction.isUnstable(c: 5, alpha: 0.01, layer: .hidden))
    #expect(try CriticalFraction.isUnstable(c: 0.1, alpha: 0.25, layer: .readout))
    #expect(try !CriticalFraction.isUnstable(c: 0.1, alpha: 0.24, layer: .readout))
}

@Test func rootsNextToTheEndsOfTheirBracketsAreFound() throws {
    // alpha_h^c -> 1 as c -> 1/4 and -> 0 as c -> 2/3, where rounding can hide the bracket's sign change.
    for h in [1e-16, 1e-14, 1e-12, 1e-9] {
        #expect(abs(try CriticalFraction.hidden(c: 0.25 + h) - (1 - 12 * h)) < 1e-13)
        #expect(try CriticalFraction.hidden(c: 2.0 / 3 - h) < 1e-16)
        #expect(abs(try CriticalFraction.criticalRatio(alpha: 1 - h, layer: .hidden) - (0.25 + h / 12)) < 1e-13)
        #expect(abs(try CriticalFraction.criticalRatio(alpha: 0.5 - h, layer: .readout)) < 1e-12)
    }
    for alpha in [1e-16, 1e-12, 1e-8] {
        #expect(abs(try CriticalFraction.criticalRatio(alpha: alpha, layer: .hidden) - 2.0 / 3) < 1e-3)
        #expect(abs(try CriticalFraction.criticalRatio(alpha: alpha, layer: .readout) * 16 * alpha - 1) < 1e-6)
    }
}

@Test func badRatiosAndFractionsAreRejected() {
    for c: Double in [0, -1, .nan, .infinity, -.infinity] {
        #expect(throws: ParameterError.self) { try CriticalFraction.hidden(c: c) }
        #expect(throws: ParameterError.self) { try CriticalFraction.readout(c: c) }
    }
    for alpha: Double in [-0.1, 1.1, .nan, .infinity] {
        #expect(throws: ParameterError.self) { try CriticalFraction.criticalRatio(alpha: alpha, layer: .hidden) }
        #expect(throws: ParameterError.self) { try CriticalFraction.isUnstable(c: 0.5, alpha: alpha, layer: .readout) }
    }
}
