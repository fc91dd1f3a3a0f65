import Foundation
import Testing

// `curldyn critical`, `spectrum`, `phase-diagram` and `merge`, end to end.
//
// Expected values come from the project's reference (cited per test as "curl-descent.md 4.x" for the spec and
// "data/FILE.csv" for its reference data, copied into Tests/Fixtures/reference-data):
// * data/critical_fractions_closed_form.csv: alpha_h^c and alpha_r^c from the closed-form cubics of 4.3/4.4;
// * curl-descent.md 4.4: the exact points alpha_r^c(1/4) = 5/32 and alpha_r^c(1) = 1 - 3/(2 4^(1/3)), and the
//   readout example spectrum (c = 10, alpha_r = 1/2): edges +-sqrt(2.16), +-sqrt(0.3375), atom at 0;
// * data/L2_spectral_edges_example.csv: those edges, printed (+-1.46969385, +-0.5809475);
// * data/L1_spectral_edges_recomputed_quartic.csv: hidden-flip edges from the quartic Q(x) (alpha = 1 - p_plus).

/// The readout example of curl-descent.md 4.4 (M = 4000, N = 400, 200 flipped): c = 10, alpha_r = 1/2.
let readoutExample = ["spectrum", "--layer", "readout", "--c", "10", "--alpha", "0.5"]

/// A small but not trivial theory grid: 50 log-spaced c in [1e-3, 1e2] by 40 alphas in [0, 1].
let smallGrid = ["--c-points", "50", "--alpha-points", "40"]

/// Foundation's JSONSerialization on Linux can read a shortest-form double one or two ulps off (it printed
/// 0.1771820000870371, it reads 0.17718200008703716), so JSON values are compared with the data files to this relative tolerance.
let jsonParsingTolerance = 1e-15

/// The rows of `critical --json`.
func criticalRows(_ result: CLIResult) throws -> [[String: Any]] {
    try parseJSONRows(result.stdout)
}

/// The trapezoid integral of the (x, y) pairs in columns 0 and 1.
func trapezoid(_ rows: [[Double]]) -> Double {
    zip(rows, rows.dropFirst()).reduce(0) { $0 + 0.5 * ($1.1[0] - $1.0[0]) * ($1.0[1] + $1.1[1]) }
}

/// A hidden-flip spectrum of data/L1_spectral_edges_recomputed_quartic.csv, with its atoms (curl-descent.md 4.3:
/// mass alpha - 1/c at -1 and (1 - alpha) - 1/c at +1 where positive).
struct HiddenSpectrumCase: Sendable, CustomTestStringConvertible {
    var c: String
    var alpha: String
    var edges: [Double]
    var atoms: [[Double]]
    var stable: Bool
    var testDescription: String { "c = \(c), alpha_h = \(alpha)" }

    static let all: [HiddenSpectrumCase] = [
        // p_plus = 0.9: two bands separated by a gap of 0.002.
        HiddenSpectrumCase(c: "0.3", alpha: "0.1", edges: [0.651311939824, 1.85083510502, 1.85278710861, 8.86457804167], atoms: [], stable: true),
        HiddenSpectrumCase(c: "0.3", alpha: "0.2", edges: [0.438396513564, 8.73739536119], atoms: [], stable: true),
        HiddenSpectrumCase(c: "0.3", alpha: "0.5", edges: [0.0548864007008, 8.29904250452], atoms: [], stable: true),
        HiddenSpectrumCase(c: "0.5", alpha: "0.5", edges: [-0.585594595819, 6.18411343504], atoms: [], stable: false),
        HiddenSpectrumCase(c: "1.2", alpha: "0.5", edges: [-0.965746861072, 0.826300473953, 1.05868136208, 4.08076502503], atoms: [], stable: false),
        HiddenSpectrumCase(c: "3", alpha: "0.5", edges: [-0.986631505652, 0.197219363282, 1.02203439066, 2.96737775171],
                           atoms: [[-1, 0.5 - 1.0 / 3], [1, 0.5 - 1.0 / 3]], stable: false),
        HiddenSpectrumCase(c: "1.5", alpha: "0.7", edges: [-0.999646805608, 1.04204464523, 1.12067129573, 3.42516615877],
                           atoms: [[-1, 0.7 - 1 / 1.5]], stable: false),
    ]
}

/// A theory command line that must be refused, and the text its message must contain.
struct TheoryBadInput: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }

    static let all: [TheoryBadInput] = [
        TheoryBadInput(arguments: ["critical", "--c", "0"], message: "the ratio c = M/N must be finite and positive, got 0.0"),
        // `--c` takes a list (up to the next option), so ArgumentParser reads "-1" as an option: the refusal names
        // --c but not the value. `--c=-1` reaches the theory's own check.
        TheoryBadInput(arguments: ["critical", "--c", "-1"], message: "'--c <c>'"),
        TheoryBadInput(arguments: ["critical", "--c=-1"], message: "the ratio c = M/N must be finite and positive, got -1.0"),
        TheoryBadInput(arguments: ["critical", "--draws", "0"], message: "--draws and --threads must be positive"),
        TheoryBadInput(arguments: ["spectrum", "--c", "1", "--alpha", "1.5"], message: "the fraction of flipped neurons must lie in [0, 1], got 1.5"),
        TheoryBadInput(arguments: ["spectrum", "--c", "0", "--alpha", "0.5"], message: "the ratio c = M/N must be finite and positive, got 0.0"),
        TheoryBadInput(arguments: ["phase-diagram", "--c-points", "0"], message: "at least 1 value of c and 2 of alpha, got 0 x 500"),
        TheoryBadInput(arguments: ["phase-diagram", "--alpha-points", "1"], message: "at least 1 value of c and 2 of alpha, got 500 x 1"),
        TheoryBadInput(arguments: ["phase-diagram", "--c-min", "0"], message: "need 0 < c-min <= c-max, got [0.0, 100.0]"),
        TheoryBadInput(arguments: ["phase-diagram", "--c-min", "10", "--c-max", "1"], message: "need 0 < c-min <= c-max, got [10.0, 1.0]"),
        TheoryBadInput(arguments: ["phase-diagram", "--empirical", "1"], message: "--empirical SIZE must be at least 2"),
        TheoryBadInput(arguments: ["phase-diagram", "--shard", "4/3"], message: "The value '4/3' is invalid for '--shard"),
        TheoryBadInput(arguments: ["phase-diagram", "--shard", "0/3"], message: "The value '0/3' is invalid for '--shard"),
        TheoryBadInput(arguments: ["critical", "--c", "0.5", "1", "--shard", "3/3"], message: "--shard 3/3 splits fewer values of c than shards; use at most 2"),
    ]
}

@Suite("curldyn critical, spectrum, phase-diagram and merge, end to end")
struct TheoryCLITests {
    // MARK: - critical

    @Test("critical --layer hidden gives the closed-form alpha_h^c at c = 0.3, 0.4, 0.5, and the data file's index 0 is that theory")
    func hiddenCriticalFractionMatchesClosedForm() throws {
        try withSandbox { box in
            let result = try box.run(["critical", "--layer", "hidden", "--c", "0.3", "0.4", "0.5", "--json", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            // data/critical_fractions_closed_form.csv, column alpha_h_crit_hidden (curl-descent.md 4.3: 0.5585, 0.1772, 0.0467).
            let expected: [(c: Double, alpha: Double)] = [(0.3, 0.558505), (0.4, 0.177182), (0.5, 0.0466738)]
            let rows = try criticalRows(result)
            try #require(rows.count == 3, "\(result)")
            for (row, value) in zip(rows, expected) {
                #expect(jsonDouble(row["c"]) == value.c)
                let theory = try #require(jsonDouble(row["theory"]), "\(row)")
                #expect(abs(theory - value.alpha) <= 5e-5, "alpha_h^c(\(value.c)) = \(theory), expected \(value.alpha)")
                #expect((row["measured"] as? [Any])?.isEmpty == true, "no --sizes, no measurement: \(row)")
            }
            #expect(try box.outEntries() == ["critical.dat"])
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("critical.dat"))
            #expect(file.header.last == "columns: 1:c 2:alpha_c 3:sd 4:se")
            try #require(file.sets.count == 1, "theory only")
            #expect(file.sets[0].title.hasPrefix("theory"), "\(file.sets[0].title)")
            #expect(file.sets[0].column(0) == expected.map(\.c))
            let jsonTheory = rows.compactMap { jsonDouble($0["theory"]) }
            #expect(jsonTheory.count == 3 && zip(file.sets[0].column(1), jsonTheory).allSatisfy { agree($0, $1, tolerance: jsonParsingTolerance) },
                    "data file \(file.sets[0].column(1)) and JSON \(jsonTheory) agree")
        }
    }

    @Test("critical --layer readout gives alpha_r^c(1/4) = 5/32, alpha_r^c(1) = 1 - 3/(2 4^(1/3)) and alpha_r^c(0.1) = 0.244636")
    func readoutCriticalFractionMatchesExactPoints() throws {
        try withSandbox { box in
            let result = try box.run(["critical", "--layer", "readout", "--c", "0.25", "1", "0.1", "--json", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let theory = try criticalRows(result).map { try #require(jsonDouble($0["theory"]), "\($0)") }
            try #require(theory.count == 3)
            // curl-descent.md 4.4, exact points: R factorises as (a - 1)^2 (32a - 5)/4 at c = 1/4, and is 32(a - 1)^3 + 27 at c = 1.
            #expect(abs(theory[0] - 5.0 / 32) <= 1e-12, "alpha_r^c(1/4) = \(theory[0])")
            #expect(abs(theory[1] - (1 - 3 / (2 * cbrt(4.0)))) <= 1e-12, "alpha_r^c(1) = \(theory[1])")
            // data/critical_fractions_closed_form.csv: 0.244636 at c = 0.1 (the smallest of the roots 0.2446, 0.8442, 1.5736).
            #expect(abs(theory[2] - 0.244636) <= 5e-6, "alpha_r^c(0.1) = \(theory[2])")
        }
    }

    @Test("critical --alpha-h / --alpha-r: the mixed boundary, equal to the pure closed form at 0; misuse exits 64")
    func mixedCriticalFractions() throws {
        try withSandbox { box in
            let mixed = try box.run(["critical", "--layer", "readout", "--alpha-h", "0.1", "--c", "0.3", "--json", "--no-plot", "--out", box.out.path])
            try #require(mixed.status == 0, "\(mixed)")
            let value = try #require(jsonDouble(try criticalRows(mixed).first?["theory"]))
            #expect(abs(value - 0.0668) < 1e-4, "alpha_r*(0.1; 0.3) = \(value)")  // MixedFlipTests: 0.0668, below alpha_r^c(0.3) = 0.1395
            let pure = try box.run(["critical", "--layer", "hidden", "--alpha-r", "0", "--c", "0.4", "--json", "--no-plot", "--out", box.out.path])
            let hidden = try #require(jsonDouble(try criticalRows(pure).first?["theory"]))
            #expect(abs(hidden - 0.177182) <= 5e-6, "alpha_h*(0; 0.4) = alpha_h^c(0.4) = \(hidden)")
            for bad in [["--layer", "hidden", "--alpha-h", "0.1"], ["--layer", "readout", "--alpha-r", "0.1"], ["--layer", "readout", "--alpha-h", "1.5"],
                        ["--layer", "readout", "--alpha-h", "0.1", "--sizes", "100"]] {
                let result = try box.run(["critical"] + bad + ["--c", "0.3", "--no-plot", "--out", box.out.path])
                #expect(result.status == 64, "\(bad): \(result)")
            }
        }
    }

    @Test("critical --sizes 200 --draws 2: a measured data set of fractions in [0, 1] near the theory, reported in the JSON")
    func measuredCriticalFractionIsNearTheory() throws {
        try withSandbox { box in
            let result = try box.run(["critical", "--layer", "hidden", "--c", "0.3", "0.4", "0.5", "--sizes", "200", "--draws", "2", "--json",
                                      "--out", box.out.path, "--figures", repositoryFigures.path])
            try #require(result.status == 0, "\(result)")
            #expect(try box.outEntries() == ["critical.dat", "critical.png"])
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("critical.dat"))
            try #require(file.sets.count == 2, "theory and one size")
            #expect(file.sets[0].title.hasPrefix("theory"))
            #expect(file.sets[1].title.contains("N = 200") && file.sets[1].title.contains("2 draws"), "\(file.sets[1].title)")
            let theory = file.sets[0].column(1), measured = file.sets[1].column(1)
            #expect(file.sets[1].column(0) == [0.3, 0.4, 0.5])
            for (t, m) in zip(theory, measured) {
                #expect((0...1).contains(m), "measured fraction \(m)")
                // Loose: at N = 200 (M = 60..100) the fraction is resolved to 1/M and the lower edge fluctuates.
                #expect(abs(m - t) <= 0.15, "measured \(m) vs theory \(t)")
            }
            #expect(file.sets[1].rows.allSatisfy { $0[2] >= 0 && $0[3] >= 0 }, "sd and se are non-negative")

            let rows = try criticalRows(result)
            try #require(rows.count == 3)
            for (i, row) in rows.enumerated() {
                let entries = try #require(row["measured"] as? [[String: Any]], "\(row)")
                try #require(entries.count == 1, "\(row)")
                let entry = entries[0]
                #expect(jsonDouble(entry["hidden"]) == 200)
                #expect(jsonDouble(entry["inputs"]) == [60, 80, 100][i], "M = round(c N)")
                #expect(jsonDouble(entry["draws"]) == 2)
                #expect(jsonDouble(entry["mean"]).map { agree($0, measured[i], tolerance: jsonParsingTolerance) } == true, "JSON and data file agree")
                // A first unstable count k gives the fraction k/M: the mean of two draws is a multiple of 1/(2M).
                let twiceMean = 2 * measured[i] * [60.0, 80, 100][i]
                #expect(abs(twiceMean - twiceMean.rounded()) <= 1e-9, "mean \(measured[i]) is not (k1 + k2)/(2M)")
            }
        }
    }

    @Test("critical: the finite-size measurement does not depend on --threads")
    func criticalMeasurementIndependentOfThreadCount() throws {
        try withSandbox { box in
            var lines: [[String]] = []
            for threads in ["1", "2"] {
                let result = try box.run(["critical", "--layer", "readout", "--c", "0.1", "0.3", "1", "--sizes", "60", "120", "--draws", "2",
                                          "--threads", threads, "--name", "t\(threads)", "--no-plot", "--out", box.out.path])
                try #require(result.status == 0, "\(result)")
                let url = box.out.appendingPathComponent("t\(threads).dat")
                try #require(try DataFileContents(contentsOf: url).sets.count == 3)
                lines.append(try dataLines(of: url))
            }
            #expect(lines[0].count > 10)
            #expect(lines[0] == lines[1], "--threads 1 and --threads 2 give different numbers")
        }
    }

    // MARK: - spectrum

    @Test("spectrum, readout example of curl-descent.md 4.4: edges +-sqrt(2.16), +-sqrt(0.3375), atom 0.9 at 0, unstable")
    func readoutSpectrumMatchesReferenceEdges() throws {
        try withSandbox { box in
            let result = try box.run(readoutExample + ["--json", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let summary = try parseJSONObject(result.stdout)
            let edges = try #require((summary["edges"] as? [Any])?.compactMap(jsonDouble), "\(result)")
            // data/L2_spectral_edges_example.csv: -1.46969385, -0.5809475, 0.5809475, 1.46969385 (the two zero roots are spurious).
            let expected = [-2.16.squareRoot(), -0.3375.squareRoot(), 0.3375.squareRoot(), 2.16.squareRoot()]
            try #require(edges.count == 4, "\(edges)")
            for (e, x) in zip(edges, expected) { #expect(abs(e - x) <= 1e-9, "edge \(e), expected \(x)") }
            #expect(abs(edges[0] + 1.46969385) <= 1e-8 && abs(edges[1] + 0.5809475) <= 1e-7, "the printed reference values")
            // Bm has rank N: an atom at 0 of mass 1 - 1/c = 0.9, continuous mass 0.1 (curl-descent.md 4.2).
            let atoms = try #require(summary["atoms"] as? [[Any]], "\(result)")
            try #require(atoms.count == 1, "\(atoms)")
            #expect(jsonDouble(atoms[0][0]) == 0)
            #expect(abs((jsonDouble(atoms[0][1]) ?? .nan) - 0.9) <= 1e-12)
            let mass = try #require(jsonDouble(summary["continuous_mass"]))
            #expect(abs(mass - 0.1) <= 1e-12)
            // The lower edge -1.47 lies below -s^2 = -1 (curl-descent.md 4.1): unstable, as alpha_r = 0.5 > alpha_r^c(10) = 0.00617.
            #expect(summary["stable"] as? Bool == false)
            #expect(jsonDouble(summary["lower_edge"]).map { agree($0, edges[0], tolerance: jsonParsingTolerance) } == true)
            #expect(summary["sampled_eigenvalue_range"] is NSNull, "no --sample-hidden, no sample (null, not absent)")

            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("spectrum.dat"))
            try #require(file.sets.count == 2, "density and edges only")
            #expect(zip(file.sets[1].column(0), edges).allSatisfy { agree($0, $1, tolerance: jsonParsingTolerance) }, "the edges set holds the JSON edges")
            let density = file.sets[0].rows
            #expect(density.count == 800)
            #expect(density.allSatisfy { $0[1] >= 0 && $0[1].isFinite })
            // Zero outside the bands, positive well inside them.
            for row in density {
                let x = row[0]
                if x < edges[0] || (x > edges[1] && x < edges[2]) || x > edges[3] { #expect(row[1] == 0, "density \(row[1]) at \(x), outside the bands") }
                if (x > edges[0] + 0.05 && x < edges[1] - 0.05) || (x > edges[2] + 0.05 && x < edges[3] - 0.05) {
                    #expect(row[1] > 0, "density 0 at \(x), inside a band")
                }
            }
            // The density integrates to the continuous mass (curl-descent.md 4.2: "integrates to ... 0.1000").
            let integral = trapezoid(density)
            #expect(abs(integral - mass) <= 2e-2 * mass, "integral of the density \(integral), continuous mass \(mass)")
        }
    }

    @Test("spectrum --sample-hidden 100: a normalised eigenvalue histogram whose range is near the theory's edges")
    func sampledHistogramIsNormalisedAndNearTheEdges() throws {
        try withSandbox { box in
            let result = try box.run(readoutExample + ["--sample-hidden", "100", "--json", "--out", box.out.path, "--figures", repositoryFigures.path])
            try #require(result.status == 0, "\(result)")
            #expect(try box.outEntries() == ["spectrum.dat", "spectrum.png"])
            let summary = try parseJSONObject(result.stdout)
            let range = try #require((summary["sampled_eigenvalue_range"] as? [Any])?.compactMap(jsonDouble), "\(result)")
            try #require(range.count == 2)
            // Outer edges +-sqrt(2.16) = +-1.46969 (curl-descent.md 4.4; at N = 400 the sample spans [-1.454, 1.456]).
            #expect(abs(range[0] + 2.16.squareRoot()) <= 0.2, "smallest sampled eigenvalue \(range[0])")
            #expect(abs(range[1] - 2.16.squareRoot()) <= 0.2, "largest sampled eigenvalue \(range[1])")

            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("spectrum.dat"))
            try #require(file.sets.count == 3, "density, edges, histogram")
            #expect(file.sets[2].title.contains("1000 sampled eigenvalues"), "M = c N = 1000: \(file.sets[2].title)")
            let histogram = file.sets[2].rows
            try #require(histogram.count == 100, "default --bins 100")
            let width = (histogram.last![0] - histogram.first![0]) / Double(histogram.count - 1)
            let centres = histogram.map { $0[0] }
            #expect(zip(centres, centres.dropFirst()).allSatisfy { abs(($1 - $0) - width) <= 1e-9 * width }, "evenly spaced bins")
            let mass = histogram.reduce(0) { $0 + $1[1] } * width
            #expect(abs(mass - 1) <= 1e-9, "sum of density * bin width = \(mass)")
            #expect(histogram.reduce(0) { $0 + $1[2] } == 1000, "every eigenvalue counted once")
            #expect(histogram.allSatisfy { abs($0[1] - $0[2] / (1000 * width)) <= 1e-12 * max(1, $0[1]) }, "density = count / (total * width)")
            // The M - N = 900 zero modes of Bm (the atom of mass 0.9) fall in the bins at 0.
            let nearZero = histogram.filter { abs($0[0]) <= width }.reduce(0) { $0 + $1[2] }
            #expect(nearZero >= 900, "\(nearZero) eigenvalues within a bin of 0")
            // No eigenvalue outside the sampled range.
            #expect(histogram.filter { $0[2] > 0 }.allSatisfy { $0[0] >= range[0] - width && $0[0] <= range[1] + width })
        }
    }

    @Test("spectrum --layer hidden at c = 0.3, alpha = 0.3 (below alpha_h^c = 0.5585): stable, lower edge > 0, density of mass 1")
    func hiddenSpectrumAtAStablePoint() throws {
        try withSandbox { box in
            let result = try box.run(["spectrum", "--layer", "hidden", "--c", "0.3", "--alpha", "0.3", "--json", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let summary = try parseJSONObject(result.stdout)
            #expect(summary["stable"] as? Bool == true, "\(result)")
            let lower = try #require(jsonDouble(summary["lower_edge"]))
            #expect(lower > 0)
            // The edge falls as alpha grows: between its values at alpha = 0.2 and 0.5 (data/L1_spectral_edges_recomputed_quartic.csv).
            #expect(lower < 0.438396513564 && lower > 0.0548864007008, "lower edge \(lower)")
            #expect((summary["atoms"] as? [Any])?.isEmpty == true, "c < 1: no atoms")
            let mass = try #require(jsonDouble(summary["continuous_mass"]))
            #expect(mass == 1)
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("spectrum.dat"))
            try #require(file.sets.count == 2)
            let integral = trapezoid(file.sets[0].rows)
            #expect(abs(integral - mass) <= 2e-2, "integral of the density \(integral)")
            #expect(file.sets[0].rows.filter { $0[0] < lower }.allSatisfy { $0[1] == 0 }, "no density below the lower edge")
        }
    }

    @Test("spectrum --layer hidden reproduces the edges of the quartic Q(x), the atoms at +-1, and the verdict",
          arguments: HiddenSpectrumCase.all)
    func hiddenSpectrumMatchesQuarticEdges(_ expected: HiddenSpectrumCase) throws {
        try withSandbox { box in
            let result = try box.run(["spectrum", "--layer", "hidden", "--c", expected.c, "--alpha", expected.alpha, "--json", "--no-plot",
                                      "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let summary = try parseJSONObject(result.stdout)
            let edges = try #require((summary["edges"] as? [Any])?.compactMap(jsonDouble), "\(result)")
            try #require(edges.count == expected.edges.count, "edges \(edges), expected \(expected.edges)")
            for (e, x) in zip(edges, expected.edges) { #expect(abs(e - x) <= 1e-9, "edge \(e), expected \(x)") }
            let atoms = try #require(summary["atoms"] as? [[Any]], "\(result)").map { $0.compactMap(jsonDouble) }
            try #require(atoms.count == expected.atoms.count, "atoms \(atoms), expected \(expected.atoms)")
            for (a, x) in zip(atoms, expected.atoms) {
                #expect(a.count == 2 && a[0] == x[0] && abs(a[1] - x[1]) <= 1e-12, "atom \(a), expected \(x)")
            }
            let mass = try #require(jsonDouble(summary["continuous_mass"]))
            #expect(abs(mass - (1 - expected.atoms.reduce(0) { $0 + $1[1] })) <= 1e-12)
            #expect(summary["stable"] as? Bool == expected.stable)
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("spectrum.dat"))
            let integral = trapezoid(file.sets[0].rows)
            #expect(abs(integral - mass) <= 2e-2, "integral of the density \(integral), continuous mass \(mass)")
        }
    }

    // MARK: - phase-diagram

    @Test("phase-diagram: a pm3d grid (blocks of c separated by one blank line) of 0/1, monotone in alpha, unstable exactly above the boundary, and the boundary is `critical`'s",
          arguments: ["hidden", "readout"])
    func phaseDiagramGridAgreesWithItsBoundaryAndCritical(_ layer: String) throws {
        try withSandbox { box in
            let result = try box.run(["phase-diagram", "--layer", layer] + smallGrid + ["--out", box.out.path, "--figures", repositoryFigures.path])
            try #require(result.status == 0, "\(result)")
            let name = "phase_\(layer)"
            #expect(try box.outEntries() == ["\(name).dat", "\(name).png", "\(name)_boundary.dat"])
            let png = try Data(contentsOf: box.out.appendingPathComponent("\(name).png"))
            #expect(png.count > 1000 && png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "a PNG image")

            // The parser refuses two blank lines between blocks (gnuplot's data-set break, which pm3d does not scan).
            let grid = try GridFileContents(contentsOf: box.out.appendingPathComponent("\(name).dat"))
            #expect(grid.header.last == "columns: 1:c 2:alpha 3:unstable")
            try #require(grid.blocks.count == 50, "one block per c")
            try #require(grid.blocks.allSatisfy { $0.count == 40 && $0.allSatisfy { $0.count == 3 } }, "40 rows of c alpha unstable per block")
            let ratios = grid.blocks.map { $0[0][0] }
            #expect(grid.blocks.allSatisfy { block in block.allSatisfy { $0[0] == block[0][0] } }, "c is constant within a block")
            #expect(abs(ratios.first! - 1e-3) <= 1e-12 * 1e-3 && abs(ratios.last! - 1e2) <= 1e-12 * 1e2, "c spans [1e-3, 1e2]")
            let steps = zip(ratios, ratios.dropFirst()).map { log($1 / $0) }
            #expect(steps.allSatisfy { abs($0 - log(1e5) / 49) <= 1e-12 }, "c is log-spaced")
            for block in grid.blocks {
                #expect(block.map { $0[1] } .enumerated().allSatisfy { abs($0.element - Double($0.offset) / 39) <= 1e-15 }, "alpha = 0, 1/39, ..., 1")
                #expect(block.allSatisfy { $0[2] == 0 || $0[2] == 1 }, "the mask is 0/1")
                // curl-descent.md 4.5: the masks are monotone in alpha (once unstable, always unstable).
                let mask = block.map { $0[2] }
                #expect(mask == mask.sorted(), "c = \(block[0][0]): mask not monotone in alpha: \(mask)")
                #expect(mask[0] == 0, "c = \(block[0][0]): alpha = 0 (gradient descent) is stable")
            }

            let boundaryFile = try DataFileContents(contentsOf: box.out.appendingPathComponent("\(name)_boundary.dat"))
            try #require(boundaryFile.sets.count == 1)
            let boundary = boundaryFile.sets[0].rows
            try #require(boundary.count == 50)
            #expect(boundary.map { $0[0] } == ratios, "one boundary point per c of the grid")
            // Unstable exactly where alpha > alpha_c(c).
            for (block, point) in zip(grid.blocks, boundary) {
                #expect(block.allSatisfy { ($0[2] == 1) == ($0[1] > point[1]) }, "c = \(point[0]): the mask disagrees with alpha_c = \(point[1])")
            }
            // The same boundary as `critical` at those c (passed in shortest round-trip form, so the same doubles).
            let critical = try box.run(["critical", "--layer", layer, "--c"] + ratios.map { "\($0)" }
                                       + ["--no-plot", "--out", box.root.appendingPathComponent("critical").path])
            try #require(critical.status == 0, "\(critical)")
            let theory = try DataFileContents(contentsOf: box.root.appendingPathComponent("critical/critical.dat")).sets[0].rows
            #expect(theory.map { $0[0] } == ratios)
            #expect(theory.map { $0[1] } == boundary.map { $0[1] }, "phase-diagram's boundary differs from critical's alpha_c")
        }
    }

    @Test("phase-diagram --layer hidden: all stable for c <= 1/4, every alpha > 0 unstable for c >= 2/3 (curl-descent.md 4.3)")
    func hiddenPhaseDiagramLimits() throws {
        try withSandbox { box in
            let result = try box.run(["phase-diagram", "--layer", "hidden"] + smallGrid + ["--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let grid = try GridFileContents(contentsOf: box.out.appendingPathComponent("phase_hidden.dat"))
            try #require(grid.blocks.count == 50)
            let (low, high) = (grid.blocks.filter { $0[0][0] <= 0.25 }, grid.blocks.filter { $0[0][0] >= 2.0 / 3 })
            #expect(low.count == 24 && high.count == 22, "blocks with c <= 1/4 and c >= 2/3: \(low.count), \(high.count)")
            for block in low { #expect(block.allSatisfy { $0[2] == 0 }, "c = \(block[0][0]) <= 1/4 has an unstable point") }
            for block in high { #expect(block.allSatisfy { ($0[2] == 1) == ($0[1] > 0) }, "c = \(block[0][0]) >= 2/3 has a stable alpha > 0") }
            // In between the boundary is strictly inside (0, 1): both phases appear.
            for block in grid.blocks where block[0][0] > 0.25 && block[0][0] < 2.0 / 3 {
                #expect(block.contains { $0[2] == 0 } && block.last![2] == 1, "c = \(block[0][0])")
            }
            let boundary = try DataFileContents(contentsOf: box.out.appendingPathComponent("phase_hidden_boundary.dat")).sets[0].rows
            #expect(boundary.allSatisfy { $0[0] <= 0.25 ? $0[1] == 1 : $0[0] >= 2.0 / 3 ? $0[1] == 0 : (0 < $0[1] && $0[1] < 1) })
        }
    }

    @Test("phase-diagram --layer readout: alpha_r^c falls from 0.4689 at c = 1e-3 to 0.000624 at c = 100, always below 1/2")
    func readoutPhaseDiagramBoundary() throws {
        try withSandbox { box in
            let result = try box.run(["phase-diagram", "--layer", "readout"] + smallGrid + ["--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let boundary = try DataFileContents(contentsOf: box.out.appendingPathComponent("phase_readout_boundary.dat")).sets[0].rows
            try #require(boundary.count == 50)
            // data/critical_fractions_closed_form.csv: 0.468893 at c = 0.001, 0.000624219 at c = 100.
            #expect(abs(boundary.first![1] - 0.468893) <= 1e-6, "\(boundary.first!)")
            #expect(abs(boundary.last![1] - 0.000624219) <= 1e-9, "\(boundary.last!)")
            // curl-descent.md 4.4: the root lies in (0, 1/2) and decreases with c.
            #expect(boundary.allSatisfy { 0 < $0[1] && $0[1] < 0.5 })
            #expect(zip(boundary, boundary.dropFirst()).allSatisfy { $1[1] < $0[1] }, "alpha_r^c decreases with c")
            let grid = try GridFileContents(contentsOf: box.out.appendingPathComponent("phase_readout.dat"))
            try #require(grid.blocks.count == 50)
            for block in grid.blocks {
                #expect(block.allSatisfy { $0[1] < 0.5 || $0[2] == 1 }, "c = \(block[0][0]): alpha >= 1/2 is unstable at every c")
            }
        }
    }

    // MARK: - Sharding and merge

    /// Runs the three shards of the small hidden grid (in the order 2, 3, 1) into `box.out`, with figure scripts at hand.
    func runShards(_ box: Sandbox, extra: [String] = []) throws {
        for k in [2, 3, 1] {
            let result = try box.run(["phase-diagram", "--layer", "hidden"] + smallGrid + extra
                                     + ["--shard", "\(k)/3", "--out", box.out.path, "--figures", repositoryFigures.path])
            try #require(result.status == 0, "\(result)")
            #expect(result.stdout.contains("shard \(k)/3"), "\(result)")
        }
    }

    @Test("--shard k/3 writes only NAME.shard-k-of-3*.dat, and merging the three (in any order) gives the unsharded grid")
    func mergedShardsEqualTheUnshardedGrid() throws {
        try withSandbox { box in
            try runShards(box)
            let shardFiles = (1...3).map { "phase_hidden.shard-\($0)-of-3.dat" }
            #expect(try box.outEntries() == (1...3).flatMap { ["phase_hidden.shard-\($0)-of-3.dat", "phase_hidden.shard-\($0)-of-3_boundary.dat"] },
                    "shard files only, no PNG")
            // Contiguous blocks of c: 50 * k / 3 rows end shard k.
            let blockCounts = try shardFiles.map { try GridFileContents(contentsOf: box.out.appendingPathComponent($0)).blocks.count }
            #expect(blockCounts == [16, 17, 17])

            let full = box.root.appendingPathComponent("full")
            let unsharded = try box.run(["phase-diagram", "--layer", "hidden"] + smallGrid + ["--no-plot", "--out", full.path])
            try #require(unsharded.status == 0, "\(unsharded)")

            let merged = box.root.appendingPathComponent("merged.dat")
            let scrambled = [shardFiles[2], shardFiles[0], shardFiles[1]].map { box.out.appendingPathComponent($0).path }
            let merge = try box.run(["merge"] + scrambled + ["--output", merged.path])
            try #require(merge.status == 0, "\(merge)")
            #expect(merge.stdout.contains("merged 3 shards"), "\(merge)")
            let mergedLines = try dataLines(of: merged)
            #expect(mergedLines == (try dataLines(of: full.appendingPathComponent("phase_hidden.dat"))),
                    "the merged data lines (blank lines included) differ from the unsharded run's")
            let grid = try GridFileContents(contentsOf: merged)
            #expect(grid.blocks.count == 50)
            let parameters = try #require(grid.header.first { $0.hasPrefix("parameters: ") })
            #expect(parameters.contains("shard=merged") && parameters.contains("c_points=50") && parameters.contains("alpha_points=40"), "\(parameters)")

            // The boundary shards merge to the same numbers (see the report: merge puts a blank line between shards).
            let mergedBoundary = box.root.appendingPathComponent("merged_boundary.dat")
            let boundaryShards = [3, 1, 2].map { box.out.appendingPathComponent("phase_hidden.shard-\($0)-of-3_boundary.dat").path }
            try #require(try box.run(["merge"] + boundaryShards + ["--output", mergedBoundary.path]).status == 0)
            #expect(try dataLines(of: mergedBoundary).filter { !$0.isEmpty }
                    == (try dataLines(of: full.appendingPathComponent("phase_hidden_boundary.dat")).filter { !$0.isEmpty }))
        }
    }

    @Test("sharding the finite-size diagram: the merged shards equal the unsharded measurement (seeds follow the row, not the shard)")
    func mergedEmpiricalShardsEqualTheUnshardedMeasurement() throws {
        try withSandbox { box in
            let empirical = ["--empirical", "40", "--empirical-c-points", "6", "--empirical-alpha-points", "4", "--draws", "2"]
            try runShards(box, extra: empirical)
            let full = box.root.appendingPathComponent("full")
            try #require(try box.run(["phase-diagram", "--layer", "hidden"] + smallGrid + empirical + ["--no-plot", "--out", full.path]).status == 0)
            let merged = box.root.appendingPathComponent("merged_empirical.dat")
            let shards = [1, 3, 2].map { box.out.appendingPathComponent("phase_hidden.shard-\($0)-of-3_empirical.dat").path }
            let merge = try box.run(["merge"] + shards + ["--output", merged.path])
            try #require(merge.status == 0, "\(merge)")
            #expect(try GridFileContents(contentsOf: merged).blocks.count == 6)
            #expect(try dataLines(of: merged) == (try dataLines(of: full.appendingPathComponent("phase_hidden_empirical.dat"))))
        }
    }

    @Test("critical --sizes in three shards of c merges (set by set) to the data lines of the unsharded run")
    func mergedCriticalShardsEqualTheUnshardedRun() throws {
        try withSandbox { box in
            let critical = ["critical", "--c", "0.2", "0.5", "1", "2", "3", "5", "8", "--sizes", "10", "20", "--draws", "2", "--no-plot"]
            for k in [3, 1, 2] {
                let shard = try box.run(critical + ["--shard", "\(k)/3", "--out", box.out.path])
                try #require(shard.status == 0, "\(shard)")
            }
            #expect(try box.outEntries() == (1...3).map { "critical.shard-\($0)-of-3.dat" })
            let full = box.root.appendingPathComponent("full")
            try #require(try box.run(critical + ["--out", full.path]).status == 0)
            let merged = box.root.appendingPathComponent("merged.dat")
            let merge = try box.run(["merge"] + [2, 3, 1].map { box.out.appendingPathComponent("critical.shard-\($0)-of-3.dat").path } + ["--output", merged.path])
            try #require(merge.status == 0, "\(merge)")
            let expected = try dataLines(of: full.appendingPathComponent("critical.dat"))
            #expect(expected.filter { !$0.isEmpty }.count == 21)
            #expect(try dataLines(of: merged) == expected, "the merged data lines (blank lines included) differ from the unsharded run's")
        }
    }

    @Test("merge refuses an incomplete set of shards and writes nothing")
    func mergeRefusesIncompleteShards() throws {
        try withSandbox { box in
            try runShards(box)
            let output = box.root.appendingPathComponent("merged.dat")
            let result = try box.run(["merge"] + [1, 2].map { box.out.appendingPathComponent("phase_hidden.shard-\($0)-of-3.dat").path }
                                     + ["--output", output.path])
            #expect(result.exitedNormally && result.status != 0, "\(result)")
            #expect(result.stderr.contains("need exactly the shards 1..3 of one sweep, once each; got 1/3, 2/3"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "merge wrote a file")
        }
    }

    @Test("merge refuses shards of different sweeps (another --alpha-points) and writes nothing")
    func mergeRefusesShardsOfDifferentSweeps() throws {
        try withSandbox { box in
            try runShards(box)
            let other = box.root.appendingPathComponent("other")
            let third = try box.run(["phase-diagram", "--layer", "hidden", "--c-points", "50", "--alpha-points", "30", "--shard", "3/3",
                                     "--out", other.path])
            try #require(third.status == 0, "\(third)")
            let output = box.root.appendingPathComponent("merged.dat")
            let files = [box.out.appendingPathComponent("phase_hidden.shard-1-of-3.dat"), box.out.appendingPathComponent("phase_hidden.shard-2-of-3.dat"),
                         other.appendingPathComponent("phase_hidden.shard-3-of-3.dat")].map(\.path)
            let result = try box.run(["merge"] + files + ["--output", output.path])
            #expect(result.exitedNormally && result.status != 0, "\(result)")
            #expect(result.stderr.contains("the shards come from different sweeps"), "\(result)")
            #expect(!FileManager.default.fileExists(atPath: output.path), "merge wrote a file")
        }
    }

    // MARK: - The finite-size phase diagram

    @Test("--empirical 60: a 5 x 6 grid of unstable fractions in [0, 1], the same for --threads 1 and 2")
    func empiricalDiagramIsAGridIndependentOfThreads() throws {
        try withSandbox { box in
            var lines: [[String]] = []
            for threads in ["1", "2"] {
                let out = box.root.appendingPathComponent("t\(threads)")
                let result = try box.run(["phase-diagram", "--layer", "hidden", "--c-points", "10", "--alpha-points", "5", "--empirical", "60",
                                          "--empirical-c-points", "5", "--empirical-alpha-points", "6", "--draws", "2", "--threads", threads,
                                          "--out", out.path, "--figures", repositoryFigures.path])
                try #require(result.status == 0, "\(result)")
                let url = out.appendingPathComponent("phase_hidden_empirical.dat")
                #expect(result.stdout.contains("empirical: \(url.path)"), "\(result)")
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("phase_hidden.png").path), "figure with the overlay")
                let grid = try GridFileContents(contentsOf: url)
                #expect(grid.header.last == "columns: 1:c 2:alpha 3:mean_lambda_min 4:unstable_fraction")
                try #require(grid.blocks.count == 5 && grid.blocks.allSatisfy { $0.count == 6 && $0.allSatisfy { $0.count == 4 } },
                             "5 blocks of 6 rows: \(grid.blocks.map(\.count))")
                for block in grid.blocks {
                    #expect(block.map { $0[1] } == [0, 0.2, 0.4, 0.6, 0.8, 1], "alpha = 0, 0.2, ..., 1")
                    #expect(block.allSatisfy { $0[3] == 0 || $0[3] == 0.5 || $0[3] == 1 }, "two draws: fractions 0, 1/2, 1")
                    #expect(block.allSatisfy { $0[2].isFinite })
                    // With no flips K = W1^T W1 + I >= I (curl-descent.md 3): always stable.
                    #expect(block[0][3] == 0 && block[0][2] >= 1 - 1e-9, "c = \(block[0][0]), alpha = 0: \(block[0])")
                    // lambda_min(K) never increases with the flip count (Weyl), so neither does its mean over draws.
                    let lambdas = block.map { $0[2] }
                    #expect(zip(lambdas, lambdas.dropFirst()).allSatisfy { $1 <= $0 + 1e-9 }, "c = \(block[0][0]): \(lambdas)")
                }
                lines.append(try dataLines(of: url))
            }
            #expect(lines[0] == lines[1], "--threads 1 and --threads 2 give different measurements")
        }
    }

    // MARK: - Refusing bad input

    @Test("bad input: a clear message on stderr, a non-zero exit status and nothing in --out", arguments: TheoryBadInput.all)
    func badInputIsRefusedWithoutOutput(_ input: TheoryBadInput) throws {
        try withSandbox { box in
            let result = try box.run(input.arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            try expectRefused(result, mentioning: input.message, sandbox: box)
        }
    }
}
