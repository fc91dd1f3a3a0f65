import Foundation
import StudentTeacherCore
import Testing
import CurlTheory

// Limiting spectra of the stability matrix (the reference spec curl-descent.md sections 4.1-4.4): edges against the
// reference notebook's printed edges and our quartic/sextic files in Tests/Fixtures/reference-data, the density's total mass,
// and the agreement of the lower edge with the closed-form critical fractions.

@Test func hiddenEdgesMatchTheNotebookAndTheQuarticFiles() throws {
    var worst = 0.0
    for file in ["L1_spectral_edges_notebook_printed.csv", "L1_spectral_edges_recomputed_quartic.csv"] {
        for row in try ReferenceTable(file).rows {
            let (c, pPlus) = (row[0], row[1])
            let expected = row[2...].filter { !$0.isNaN }
            let spectrum = try HiddenFlipSpectrum(c: c, alpha: 1 - pPlus)
            try #require(spectrum.edges.count == expected.count, "\(file) c = \(c), p+ = \(pPlus): \(spectrum.edges)")
            for (edge, reference) in zip(spectrum.edges, expected) {
                // The notebook printed some edges to 8 decimals, the quartic file holds 12 significant digits.
                #expect(abs(edge - reference) <= 1e-8 * max(1, abs(reference)), "\(file) c = \(c), p+ = \(pPlus)")
                worst = max(worst, abs(edge - reference))
            }
        }
    }
    print("L1_spectral_edges_*.csv: max |edge difference| = \(worst)")
}

@Test func readoutEdgesMatchTheSexticExample() throws {
    // M = 4000, N = 400, 200 flipped, s = 1: c = 10, alpha = 1/2. The sextic's two zero roots are the spurious z^2.
    let table = try ReferenceTable("L2_spectral_edges_example.csv")
    let row = table.rows[0]
    let (m, n, flipped, s) = (row[0], row[1], row[2], row[3])
    let spectrum = try ReadoutFlipSpectrum(c: m / n, alpha: flipped / n, s: s)
    let sexticRoots = Array(row[8...13])
    let expected = sexticRoots.filter { $0 != 0 }
    #expect(sexticRoots.filter { $0 == 0 }.count == 2)
    try #require(spectrum.edges.count == 4)
    let worst = zip(spectrum.edges, expected).map { abs($0 - $1) }.max()!
    #expect(worst < 1e-7, "\(spectrum.edges) vs \(expected)")
    // Closed forms of section 4.4: +-sqrt(2.16) and +-sqrt(0.3375).
    #expect(abs(spectrum.edges[3] - 2.16.squareRoot()) < 1e-12 && abs(spectrum.edges[2] - 0.3375.squareRoot()) < 1e-12)
    #expect(spectrum.atoms == [SpectralAtom(location: 0, mass: 0.9)])
    print("L2_spectral_edges_example.csv: max |edge difference| = \(worst)")
}

/// Integral of a density over its bands: a midpoint rule in theta with x = a + (b - a)(1 - cos theta)/2, which absorbs
/// the square-root edges; bands are split where the self-consistent polynomial degenerates (a possible interior cusp).
func integrate(_ density: (Double) throws -> Double, bands: [ClosedRange<Double>], splitAt singular: [Double],
               points: Int = 1000) rethrows -> Double {
    var total = 0.0
    for band in bands {
        let cuts = [band.lowerBound] + singular.filter { band.lowerBound < $0 && $0 < band.upperBound } + [band.upperBound]
        for (a, b) in zip(cuts, cuts.dropFirst()) {
            for i in 0..<points {
                let theta = (Double(i) + 0.5) * .pi / Double(points)
                total += try density(a + (b - a) * (1 - cos(theta)) / 2) * (b - a) / 2 * sin(theta) * .pi / Double(points)
            }
        }
    }
    return total
}

@Test(arguments: [0.01, 0.1, 0.3, 0.5, 0.9, 1.2, 3.0])
func hiddenDensityIntegratesToTheContinuousMass(c: Double) throws {
    for alpha in [0, 0.1, 0.5, 0.8, 1] {
        let spectrum = try HiddenFlipSpectrum(c: c, alpha: alpha)
        let mass = try integrate(spectrum.density, bands: spectrum.bands, splitAt: [-1, 1])
        let expected = 1 - max(0, 1 - alpha - 1 / c) - max(0, alpha - 1 / c)
        #expect(abs(spectrum.continuousMass - expected) < 1e-15)
        #expect(abs(mass - expected) < 1e-3, "c = \(c), alpha = \(alpha): \(mass) vs \(expected), edges \(spectrum.edges)")
    }
}

@Test(arguments: [0.01, 0.1, 0.3, 1.0, 2.0, 10.0])
func readoutDensityIntegratesToTheContinuousMass(c: Double) throws {
    for alpha in [0, 0.1, 0.5, 0.9, 1] {
        for s in [1, 0.1] {
            let spectrum = try ReadoutFlipSpectrum(c: c, alpha: alpha, s: s)
            let mass = try integrate(spectrum.density, bands: spectrum.bands, splitAt: [0])
            #expect(abs(mass - spectrum.continuousMass) < 1e-3, "c = \(c), alpha = \(alpha), s = \(s): \(mass), edges \(spectrum.edges)")
        }
        #expect(abs(try ReadoutFlipSpectrum(c: c, alpha: alpha).continuousMass - min(1, 1 / c)) < 1e-15)
    }
}

@Test func densityVanishesOutsideTheBandsAndNotInside() throws {
    let hidden = try HiddenFlipSpectrum(c: 0.3, alpha: 0.1)  // two bands, 0.651..1.851 and 1.853..8.865
    #expect(hidden.bands.count == 2)
    for band in hidden.bands { #expect(try hidden.density(at: 0.5 * (band.lowerBound + band.upperBound)) > 1e-3) }
    for x in [0.0, 0.6, 1.8518, 9.0, -3.0] { #expect(try hidden.density(at: x) == 0) }
    let readout = try ReadoutFlipSpectrum(c: 10, alpha: 0.5)
    for x in [0.0, 0.3, 1.5, -1.5] { #expect(try readout.density(at: x) == 0, "x = \(x)") }
    #expect(try readout.density(at: 1) > 0)
}

@Test func hiddenLowerEdgeCrossesZeroAtTheCriticalFraction() throws {
    for c in [0.26, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65] {
        let alphaC = try CriticalFraction.hidden(c: c)
        #expect(abs(try HiddenFlipSpectrum(c: c, alpha: alphaC).lowerEdge) < 1e-6, "c = \(c)")
        for alpha in [alphaC - 0.02, alphaC - 0.002, alphaC + 0.002, alphaC + 0.02] where (0...1).contains(alpha) {
            let spectrum = try HiddenFlipSpectrum(c: c, alpha: alpha)
            #expect(spectrum.isStable == (alpha < alphaC), "c = \(c), alpha = \(alpha): lower edge \(spectrum.lowerEdge)")
            #expect((spectrum.lowerEdge > 0) == (alpha < alphaC))
        }
    }
    // Stable with every input flipped below c = 1/4 (the lower edge is (1 - sqrt c)^2/c - 1); unstable at any
    // fraction from c = 2/3 on.
    for c in [0.01, 0.1, 0.2, 0.24] {
        let edge = try HiddenFlipSpectrum(c: c, alpha: 1).lowerEdge
        #expect(abs(edge - ((1 - c.squareRoot()) * (1 - c.squareRoot()) / c - 1)) < 1e-9 * max(1, 1 / c))
        #expect(edge > 0)
    }
    for c in [0.7, 1, 1.2, 3, 10] {
        for alpha in [0.02, 0.3, 0.7, 1] { #expect(try !HiddenFlipSpectrum(c: c, alpha: alpha).isStable, "c = \(c), alpha = \(alpha)") }
    }
}

@Test func readoutLowerEdgeCrossesMinusSSquaredAtTheCriticalFraction() throws {
    for c in [0.001, 0.01, 0.1, 0.3, 1, 3, 10, 100] {
        let alphaC = try CriticalFraction.readout(c: c)
        for s in [1, 0.1] {
            #expect(abs(try ReadoutFlipSpectrum(c: c, alpha: alphaC, s: s).lowerEdge + s * s) < 1e-6 * s * s, "c = \(c)")
        }
        for factor in [0.5, 0.9, 1.1, 1.5] {
            let alpha = alphaC * factor
            let spectrum = try ReadoutFlipSpectrum(c: c, alpha: alpha, s: 0.1)
            #expect(spectrum.isStable == (factor < 1), "c = \(c), alpha = \(alpha): lower edge \(spectrum.lowerEdge)")
        }
    }
}

@Test func readoutSpectrumScalesAsSSquared() throws {
    let unit = try ReadoutFlipSpectrum(c: 0.3, alpha: 0.2)
    let scaled = try ReadoutFlipSpectrum(c: 0.3, alpha: 0.2, s: 0.5)
    for (a, b) in zip(unit.edges, scaled.edges) { #expect(abs(b - 0.25 * a) < 1e-12 * max(1, abs(a))) }
    #expect(abs(try scaled.density(at: 0.25) - 4 * (try unit.density(at: 1))) < 1e-12)
    #expect(unit.isStable == scaled.isStable)
}

@Test func atomsAreTheZeroModesOfTheWishartPart() throws {
    #expect(try HiddenFlipSpectrum(c: 0.9, alpha: 0.5).atoms.isEmpty)
    let plusOne = try HiddenFlipSpectrum(c: 1.2, alpha: 0.1).atoms
    #expect(plusOne.count == 1 && plusOne[0].location == 1 && abs(plusOne[0].mass - (0.9 - 1 / 1.2)) < 1e-15)
    let both = try HiddenFlipSpectrum(c: 5, alpha: 0.5)
    #expect(both.atoms.map(\.location) == [-1, 1])
    #expect(both.smallestEigenvalue == -1 && !both.isStable)
    #expect(try ReadoutFlipSpectrum(c: 0.5, alpha: 0.3).atoms.isEmpty)
}

@Test func badSpectrumParametersAreRejected() {
    #expect(throws: ParameterError.self) { try HiddenFlipSpectrum(c: 0, alpha: 0.5) }
    #expect(throws: ParameterError.self) { try HiddenFlipSpectrum(c: 0.5, alpha: 1.5) }
    #expect(throws: ParameterError.self) { try ReadoutFlipSpectrum(c: .nan, alpha: 0.5) }
    #expect(throws: ParameterError.self) { try ReadoutFlipSpectrum(c: 1, alpha: -0.1) }
    #expect(throws: ParameterError.self) { try ReadoutFlipSpectrum(c: 1, alpha: 0.1, s: 0) }
    #expect(throws: ParameterError.self) { try ReadoutFlipSpectrum(c: 1, alpha: 0.1, s: -1) }
    #expect(throws: ParameterError.self) { try HiddenFlipSpectrum(c: 0.5, alpha: 0.5).density(at: .nan) }
}
