import Foundation
import Testing

#if DEBUG
@testable import curldyn

/// The version the tool reports: `CurlDyn.version`.
func expectedVersion() throws -> String { CurlDyn.version }
#else
/// Release builds are not compiled for testing (no @testable import): read `CurlDyn.version` from its source.
func expectedVersion() throws -> String {
    let source = try String(contentsOf: packageRoot.appendingPathComponent("Sources/curldyn/CurlDyn.swift"), encoding: .utf8)
    let match = try #require(source.firstMatch(of: /static let version = "([^"]+)"/), "no version in CurlDyn.swift")
    return String(match.1)
}
#endif

/// A small, fast network: M = 4, N = 6 to t = 10 on 20 log-spaced points.
let smallRun = ["integrate", "-M", "4", "-N", "6", "--t-final", "10", "--points", "20"]

/// A command line that `curldyn integrate` must refuse, and the text its message must contain.
struct BadInput: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }

    static let small = ["-M", "4", "-N", "6"]

    static let all: [BadInput] = [
        BadInput(arguments: ["--inputs", "0"], message: "--inputs must be positive, got 0"),
        BadInput(arguments: ["--inputs=-3"], message: "--inputs must be positive, got -3"),
        // Numeric options parse unconditionally, so a space-separated negative number is read as the value.
        BadInput(arguments: ["--inputs", "-3"], message: "--inputs must be positive, got -3"),
        BadInput(arguments: ["--hidden", "0"], message: "--hidden must be positive, got 0"),
        BadInput(arguments: ["--hidden=-2"], message: "--hidden must be positive, got -2"),
        BadInput(arguments: small + ["--flip-hidden", "7"], message: "cannot flip 7 hidden neurons: the layer has 6"),
        BadInput(arguments: small + ["--flip-inputs=-1"], message: "cannot flip -1 input neurons"),
        BadInput(arguments: small + ["--flip-inputs", "-1"], message: "cannot flip -1 input neurons"),
        BadInput(arguments: small + ["--alpha-r", "1.5"], message: "must lie in [0, 1], got 1.5"),
        BadInput(arguments: small + ["--flip-hidden", "2", "--alpha-r", "0.5"], message: "give --flip-hidden or --alpha-r, not both"),
        BadInput(arguments: small + ["--flip-inputs", "1", "--alpha-h", "0.5"], message: "give --flip-inputs or --alpha-h, not both"),
        BadInput(arguments: small + ["--stepper", "foo"], message: "unknown stepper 'foo'"),
        // Default sizes M = 20, N = 199: 4179 weights, too many for a dense-Jacobian stepper.
        BadInput(arguments: ["--stepper", "msbdf"], message: "at most 2000 weights"),
        BadInput(arguments: small + ["--t-final=-1"], message: "the final time must be positive, got -1"),
        BadInput(arguments: small + ["--t-final", "-1"], message: "the final time must be positive, got -1"),
        BadInput(arguments: small + ["--t-final", "0"], message: "the final time must be positive"),
        BadInput(arguments: small + ["--t-final", "inf"], message: "the final time must be positive"),
        BadInput(arguments: small + ["--t-final", "10", "--t-first", "20"], message: "first observation time"),
        BadInput(arguments: small + ["--points", "1"], message: "at least 2 observation times"),
        BadInput(arguments: small + ["--rtol", "nan"], message: "tolerances must be positive"),
        BadInput(arguments: small + ["--stop-loss", "0"], message: "the stop loss must be positive"),
        BadInput(arguments: small + ["--input-variance", "0"], message: "--input-variance must be positive"),
        BadInput(arguments: small + ["--init-scale=-1"], message: "scale must be positive"),
        BadInput(arguments: small + ["--rule", "xyz"], message: "'xyz' is invalid for '--rule"),
        BadInput(arguments: small + ["--name", "a/b"], message: "--name must be a plain file name"),
        BadInput(arguments: small + ["--convention", "row", "--flip-hidden", "1"], message: "the linear population flow takes column-convention flips"),
        // Failures found only while running: a missing figure script, and curl descent blowing up
        // (all neurons flipped) after the gradient-descent run has succeeded.
        BadInput(arguments: small + ["--figures", "/nonexistent/figures"], message: "not a directory"),
    ]
}

@Suite("curldyn integrate, end to end")
struct IntegrateCLITests {
    // MARK: - Refusing bad input

    @Test("bad input: a clear message on stderr, a non-zero exit status and nothing in --out", arguments: BadInput.all)
    func badInputIsRefusedWithoutOutput(_ input: BadInput) throws {
        try withSandbox { box in
            var arguments = ["integrate"] + input.arguments + ["--out", box.out.path]
            if !input.arguments.contains("--figures") { arguments += ["--figures", repositoryFigures.path] }
            let result = try box.run(arguments)
            try expectRefused(result, mentioning: input.message, sandbox: box)
        }
    }

    @Test("a failing run leaves the existing output files of the same --out and --name untouched",
          arguments: [["--alpha-r", "1.5"], ["--figures", "/nonexistent/figures"]])
    func failingRunKeepsExistingOutput(_ bad: [String]) throws {
        try withSandbox { box in
            let base = smallRun + ["--out", box.out.path, "--name", "run"]
            let first = try box.run(base + ["--figures", repositoryFigures.path])
            try #require(first.status == 0, "\(first)")
            let before = try box.outSnapshot()
            try #require(Set(before.keys) == ["run.dat", "run.png"], "unexpected files: \(before.keys.sorted())")

            var arguments = base + bad
            if !bad.contains("--figures") { arguments += ["--figures", repositoryFigures.path] }
            let failed = try box.run(arguments)
            #expect(failed.status != 0, "\(failed)")
            let after = try box.outSnapshot()
            #expect(after.keys.sorted() == before.keys.sorted(), "files in --out changed: \(after.keys.sorted())")
            #expect(after["run.dat"] == before["run.dat"], "run.dat was modified")
            #expect(after["run.png"] == before["run.png"], "run.png was modified")
        }
    }

    @Test("a run that diverges is kept and marked beside the finished ones: exit 0, finite data only, diverged in header, summary and JSON")
    func divergedRunIsKeptAndMarked() throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "4", "-N", "6", "--t-final", "10", "--alpha-r", "1", "--alpha-h", "1", "--save-state",
                                      "--out", box.out.path, "--no-plot", "--json"])
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr.contains("warning: rule curl: diverged"), "\(result)")
            let envelope = try parseJSONEnvelope(result.stdout)
            #expect((envelope["warnings"] as? [String])?.contains { $0.contains("curl") && $0.contains("diverged") } == true)
            let runs = try #require(try parseJSONObject(result.stdout)["runs"] as? [[String: Any]])
            #expect(runs.map { $0["diverged"] as? Bool } == [false, true])
            #expect(runs[1]["final_loss"] is NSNull, "a diverged run has no final loss")
            #expect(jsonDouble(runs[0]["final_loss"]).map { $0.isFinite } == true)
            let text = try String(contentsOf: box.out.appendingPathComponent("integrate.dat"), encoding: .utf8)
            #expect(!text.lowercased().contains("nan") && !text.lowercased().contains("inf"), "non-finite values written")
            let file = try DataFileContents(parsing: text)
            #expect(file.sets.count == 2)
            #expect(file.sets[1].title.contains("status=diverged"))
            #expect(file.sets[0].rows.last?[0] == 10, "the finished gd run is complete")
            #expect((file.sets[1].rows.last?[0] ?? 10) < 10, "the curl run stops at its blow-up")
            // Only the finished run's state is saved.
            #expect(try box.outEntries() == ["integrate.dat", "integrate_gd.state"])
        }
    }

    // MARK: - A successful run

    @Test("a small run writes a data file with provenance header and two data sets, and a PNG figure")
    func smallRunWritesDataAndFigure() throws {
        try withSandbox { box in
            let arguments = smallRun + ["--out", box.out.path, "--figures", repositoryFigures.path]
            let result = try box.run(arguments)
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "stderr of a successful run with stderr not a terminal: \(result.stderr)")
            let dataURL = box.out.appendingPathComponent("integrate.dat")
            let pngURL = box.out.appendingPathComponent("integrate.png")
            #expect(result.stdout.contains("data: \(dataURL.path)"), "\(result)")
            #expect(result.stdout.contains("figure: \(pngURL.path)"), "\(result)")
            #expect(try box.outEntries() == ["integrate.dat", "integrate.png"], "exactly the two outputs, no temporary files")

            let png = try Data(contentsOf: pngURL)
            #expect(png.count > 1000)
            #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), "PNG magic bytes")

            let file = try DataFileContents(contentsOf: dataURL)
            // Provenance header.
            #expect(file.header.first == "curldyn \(try expectedVersion())")
            #expect(file.header.first?.contains(/^curldyn \d+\.\d+\.\d+$/) == true)
            let command = try #require(file.headerValue("command"))
            #expect(command.hasSuffix(" " + arguments.joined(separator: " ")), "command: \(command)")
            #expect(file.headerValue("seed") == "1")
            let parsedParameters = file.parameters
            let parameters = try #require(parsedParameters, "the parameters line is not space-separated key=value pairs: \(file.headerValue("parameters") ?? "missing")")
            #expect(parameters["M"] == "4")
            #expect(parameters["N"] == "6")
            #expect(parameters["rules"] == "gd,curl")
            #expect(parameters["stepper"] == "rk8pd")
            #expect(parameters["points"] == "20")
            #expect(parameters["curl_flipped_hidden"] == "3")
            let tFinal = try #require(parameters["t_final"].flatMap(Double.init))
            #expect(tFinal == 10)
            let inputVariance = try #require(parameters["sigma_x2"].flatMap(Double.init))
            #expect(file.header.last == "columns: 1:t 2:loss 3:error_norm 4:w1_norm 5:w2_norm 6:manifold_distance")

            // Two data sets, gd then curl (which flips half the hidden neurons by default).
            try #require(file.sets.count == 2)
            #expect(file.sets[0].title.hasPrefix("gd flipped_inputs=0 flipped_hidden=0 status=completed"))
            #expect(file.sets[1].title.hasPrefix("curl flipped_inputs=0 flipped_hidden=3 status=completed"))
            for set in file.sets {
                #expect(set.rows.count == 21, "t = 0 and 20 log-spaced points")
                #expect(set.rows.allSatisfy { $0.count == 6 && $0.allSatisfy(\.isFinite) }, "\(set.title)")
                guard set.rows.allSatisfy({ $0.count == 6 }) else { continue }
                let t = set.column(0)
                #expect(t.first == 0)
                #expect(t.last.map { agree($0, tFinal) } == true, "last time \(t.last ?? .nan)")
                #expect(zip(t, t.dropFirst()).allSatisfy { $0 < $1 }, "times increase: \(t)")
                // loss = sigma_x^2 / 2 |u|^2, all norms non-negative.
                for row in set.rows {
                    #expect(row[1] >= 0 && row[2] >= 0 && row[3] >= 0 && row[4] >= 0)
                    #expect(agree(row[1], 0.5 * inputVariance * row[2] * row[2], tolerance: 1e-10), "row \(row)")
                }
            }
            // Both rules start from the same teacher and student.
            #expect(file.sets[0].rows.first == file.sets[1].rows.first)
        }
    }

    @Test("--json prints a summary whose final losses match the data file")
    func jsonSummaryMatchesDataFile() throws {
        try withSandbox { box in
            let result = try box.run(smallRun + ["--out", box.out.path, "--figures", repositoryFigures.path, "--json"])
            try #require(result.status == 0, "\(result)")
            let envelope = try parseJSONEnvelope(result.stdout)
            let summary = try parseJSONObject(result.stdout)
            let dataURL = box.out.appendingPathComponent("integrate.dat")
            #expect(envelope["command"] as? String == "integrate")
            #expect(envelope["version"] as? String == (try expectedVersion()))
            #expect(envelope["seed"] as? Int == 1)
            #expect((envelope["parameters"] as? [String: String])?["M"] == "4")
            #expect(summary["inputs"] as? Int == 4)
            #expect(summary["hidden"] as? Int == 6)
            #expect(summary["stepper"] as? String == "rk8pd")
            #expect((envelope["files"] as? [String: String])?["data"] == dataURL.path)
            #expect(envelope["figure"] as? String == box.out.appendingPathComponent("integrate.png").path)
            #expect(envelope["figure_error"] is NSNull)

            let runs = try #require(summary["runs"] as? [[String: Any]])
            #expect(runs.map { $0["rule"] as? String } == ["gd", "curl"])
            let file = try DataFileContents(contentsOf: dataURL)
            try #require(file.sets.count == runs.count)
            for (run, set) in zip(runs, file.sets) {
                let rule = run["rule"] as? String ?? "?"
                #expect(run["status"] as? String == "completed", "\(rule)")
                let statistics = try #require(run["statistics"] as? [String: Any])
                #expect((statistics["function_evaluations"] as? Int ?? 0) > 0, "\(rule)")
                #expect((statistics["steps"] as? Int ?? 0) > 0, "\(rule)")
                let finalLoss = try #require(run["final_loss"] as? Double, "\(rule)")
                let initialLoss = try #require(run["initial_loss"] as? Double, "\(rule)")
                let finalTime = try #require(run["final_time"] as? Double, "\(rule)")
                let lastRow = try #require(set.rows.last)
                #expect(agree(finalLoss, lastRow[1]), "\(rule): JSON final loss \(finalLoss), data file \(lastRow[1])")
                #expect(agree(initialLoss, set.rows[0][1]), "\(rule)")
                #expect(agree(finalTime, lastRow[0]), "\(rule)")
                #expect(finalLoss < initialLoss, "\(rule) learns")
                #expect(set.title.hasPrefix("\(rule) flipped_inputs=\(run["flipped_inputs"] as? Int ?? -1) flipped_hidden=\(run["flipped_hidden"] as? Int ?? -1) "))
            }
            #expect(runs.first?["flipped_hidden"] as? Int == 0)
            #expect(runs.last?["flipped_hidden"] as? Int == 3)
        }
    }

    // MARK: - Reproducibility

    @Test("the same command and seed give a byte-identical data file; another seed gives other data")
    func seedDeterminesData() throws {
        try withSandbox { box in
            let arguments = smallRun + ["--out", box.out.path, "--no-plot", "--seed", "7"]
            let dataURL = box.out.appendingPathComponent("integrate.dat")
            try #require(try box.run(arguments).status == 0)
            let first = try Data(contentsOf: dataURL)
            try FileManager.default.removeItem(at: dataURL)
            try #require(try box.run(arguments).status == 0)
            let second = try Data(contentsOf: dataURL)
            #expect(first == second, "two runs of the same command differ")

            let otherArguments = smallRun + ["--out", box.out.path, "--no-plot", "--seed", "8", "--name", "other"]
            try #require(try box.run(otherArguments).status == 0)
            let other = try DataFileContents(contentsOf: box.out.appendingPathComponent("other.dat"))
            let same = try DataFileContents(parsing: String(decoding: first, as: UTF8.self))
            #expect(other.headerValue("seed") == "8")
            #expect(other.data.map(\.count) == same.data.map(\.count))
            #expect(other.data[0] != same.data[0], "seeds 7 and 8 give the same gd data")
            #expect(other.sets[0].rows.first != same.sets[0].rows.first, "seeds 7 and 8 give the same start")
        }
    }

    // MARK: - Options

    @Test("--no-plot writes the data file but no figure, and needs no figure scripts")
    func noPlotWritesNoFigure() throws {
        try withSandbox { box in
            // No --figures, and the working directory (the sandbox) holds no figures/ either.
            let result = try box.run(smallRun + ["--out", box.out.path, "--no-plot"])
            try #require(result.status == 0, "\(result)")
            #expect(try box.outEntries() == ["integrate.dat"])
            #expect(!result.stdout.contains("figure:"), "\(result)")
            #expect(try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat")).sets.count == 2)
        }
    }

    @Test("--stop-loss ends each run at the first time the loss falls below the threshold")
    func stopLossEndsRunsEarly() throws {
        try withSandbox { box in
            let threshold = 1e-6, tFinal = 100.0
            let result = try box.run(["integrate", "-M", "4", "-N", "6", "--t-final", "\(tFinal)", "--points", "20",
                                      "--stop-loss", "\(threshold)", "--out", box.out.path, "--no-plot", "--json"])
            try #require(result.status == 0, "\(result)")
            let runs = try #require(try parseJSONObject(result.stdout)["runs"] as? [[String: Any]])
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat"))
            try #require(runs.count == 2 && file.sets.count == 2)
            for (run, set) in zip(runs, file.sets) {
                let rule = run["rule"] as? String ?? "?"
                let status = run["status"] as? String ?? ""
                #expect(status.contains("stopped"), "\(rule): status \(status)")
                #expect(set.title.contains("status=stopped"), "\(set.title)")
                let lastRow = try #require(set.rows.last)
                #expect(lastRow[0] < tFinal, "\(rule) ran to the end")
                #expect(lastRow[0] > 0)
                #expect(lastRow[1] <= threshold * (1 + 1e-6), "\(rule): final loss \(lastRow[1])")
                #expect(lastRow[1] >= threshold * 0.5, "\(rule): the run went far past the threshold: \(lastRow[1])")
                #expect(set.rows.dropLast().allSatisfy { $0[1] > threshold }, "\(rule): the loss was below threshold before the stop")
                #expect((run["final_time"] as? Double).map { agree($0, lastRow[0]) } == true, "\(rule)")
                #expect((run["final_loss"] as? Double).map { agree($0, lastRow[1]) } == true, "\(rule)")
            }
        }
    }

    struct Network: Sendable, CustomTestStringConvertible {
        var inputs: Int, hidden: Int, seed: Int
        var testDescription: String { "M=\(inputs) N=\(hidden) seed \(seed)" }
    }

    @Test("the gradient-descent loss never increases (up to round-off at the floor)",
          arguments: [Network(inputs: 4, hidden: 6, seed: 1), Network(inputs: 4, hidden: 6, seed: 2), Network(inputs: 8, hidden: 20, seed: 3)])
    func gradientDescentLossIsNonIncreasing(_ network: Network) throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "\(network.inputs)", "-N", "\(network.hidden)", "--seed", "\(network.seed)",
                                      "--rule", "gd", "--t-final", "1000", "--points", "100", "--out", box.out.path, "--no-plot"])
            try #require(result.status == 0, "\(result)")
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat"))
            try #require(file.sets.count == 1, "--rule gd runs gradient descent only")
            #expect(file.sets[0].title.hasPrefix("gd "))
            let loss = file.sets[0].column(1)
            try #require(loss.count == 101)
            let rises = zip(loss, loss.dropFirst()).enumerated().filter { $0.element.1 > $0.element.0 + 1e-20 }
            #expect(rises.isEmpty, "the loss rises at \(rises.count) rows, first at row \(rises.first.map { "\($0.offset + 1): \($0.element.0) -> \($0.element.1)" } ?? "")")
            #expect(loss.last! < 1e-6 * loss.first!, "gradient descent did not learn: \(loss.first!) -> \(loss.last!)")
        }
    }

    // MARK: - Version and help

    @Test("--version prints the version")
    func versionIsPrinted() throws {
        try withSandbox { box in
            let result = try box.run(["--version"])
            #expect(result.status == 0, "\(result)")
            let printed = result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(printed == (try expectedVersion()))
            #expect(printed.contains(/^\d+\.\d+\.\d+$/))
        }
    }

    @Test("integrate --help exits 0 and documents the options")
    func integrateHelpSucceeds() throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "--help"])
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("USAGE: curldyn integrate"), "\(result)")
            for option in ["--inputs", "--hidden", "--alpha-r", "--stepper", "--stop-loss", "--no-plot", "--json"] {
                #expect(result.stdout.contains(option), "help lacks \(option)")
            }
            #expect(try box.outEntries() == nil, "--help wrote output")
        }
    }
}

@Test("a minibatch larger than the default 250 samples is accepted when --train-size holds it")
func batchSizeIsCheckedAgainstTheGivenTrainingSet() throws {
    try withSandbox { box in
        let result = try box.run(["integrate", "-M", "4", "-N", "3", "--train-size", "300", "--protocol", "discrete", "--batch-size", "260",
                                  "--epochs", "3", "--no-plot", "--out", box.out.path])
        #expect(result.status == 0, "\(result)")
    }
}

@Test("stability on finite data records the training-set size, not the population")
func stabilityHeaderRecordsTheTrainingSet() throws {
    try withSandbox { box in
        let result = try box.run(["stability", "-M", "4", "-N", "3", "--train-size", "30", "--out", box.out.path])
        #expect(result.status == 0, "\(result)")
        let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("stability.dat"))
        #expect(data.header.contains { $0.contains("train_size=30") }, "\(data.header)")
    }
}
