import Foundation
import Testing

// End-to-end tests of the finite-data features of `curldyn`: training and test sets, nonlinear networks,
// every rule, the norm constraint, the discrete protocol, q, saved states, flip conventions and selections,
// wider teachers, and `curldyn compare`. All runs are small (M = 6, N = 4, 30 training samples) and fast.

/// The small finite-data network of these tests: M = 6, N = 4, 30 train and 20 test samples, to t = 20 on 15 points.
let smallTraining = ["-M", "6", "-N", "4", "--train-size", "30", "--test-size", "20", "--t-final", "20", "--points", "15"]

/// The `# columns:` header line of a finite-data file (integrate) and of the mean curves (compare).
let trainingColumnsLine = "columns: 1:t 2:train_loss 3:test_loss 4:w1_norm 5:w2_norm"
let compareCurvesColumnsLine = "columns: 1:t 2:train_mean 3:train_se 4:test_mean 5:test_se"
let compareStatsColumnsLine = "columns: 1:rule_index 2:mean_time 3:se_time 4:reached 5:seeds 6:diverged 7:t_vs_first 8:df 9:p_value"

let pngMagic = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])

/// The reference's logged epochs, `np.unique(np.round(np.geomspace(1, epochs, points)).astype(int)) - 1`, computed
/// with numpy (an oracle independent of LogSpacedEpochs): 200 epochs and 15 points log 14 entries.
let referenceLoggedEpochs200x15 = [0, 1, 2, 4, 6, 9, 13, 20, 29, 43, 63, 93, 136, 199]
/// The same for 150 epochs and 15 points.
let referenceLoggedEpochs150x15 = [0, 1, 2, 3, 5, 8, 11, 17, 24, 35, 50, 72, 104, 149]

/// (max - min) / max of positive values: 0 for a constant column.
func relativeSpread(_ values: [Double]) -> Double {
    guard let lo = values.min(), let hi = values.max(), hi > 0 else { return .nan }
    return (hi - lo) / hi
}

/// True when two files' data hold the same values, NaN matching NaN.
func sameValues(_ a: [[[Double]]], _ b: [[[Double]]]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { x, y in
        x.count == y.count && zip(x, y).allSatisfy { r, s in r.count == s.count && zip(r, s).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) } }
    }
}

/// The largest relative difference between corresponding values of two files' data (infinity if the shapes differ).
func maxRelativeDifference(_ a: [[[Double]]], _ b: [[[Double]]]) -> Double {
    guard a.map({ $0.map(\.count) }) == b.map({ $0.map(\.count) }) else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a.joined().joined(), b.joined().joined()) where x != y {
        worst = max(worst, abs(x - y) / max(abs(x), abs(y)))
    }
    return worst
}

/// A state file in the format `--save-state` writes: a `#` header, "M N", N rows of M numbers, then W2.
func stateFileText(inputs m: Int, hidden n: Int, value: (Int, Int) -> String = { i, j in "\(0.1 * Double(i + 1) - 0.05 * Double(j))" },
                   w2: (Int) -> String = { i in "\(0.3 - 0.1 * Double(i))" }) -> String {
    var text = "# hand-written state\n\(m) \(n)\n"
    for i in 0..<n { text += (0..<m).map { value(i, $0) }.joined(separator: " ") + "\n" }
    return text + (0..<n).map(w2).joined(separator: " ") + "\n"
}

/// A training or compare command line that `curldyn` must refuse (with the subcommand), and the text its message must contain.
struct TrainingBadInput: Sendable, CustomTestStringConvertible {
    var arguments: [String]
    var message: String
    var testDescription: String { arguments.joined(separator: " ") }

    static let integrate = ["integrate"] + smallTraining
    static let discrete = integrate + ["--protocol", "discrete"]
    static let compare = ["compare"] + smallTraining

    static let all: [TrainingBadInput] = [
        TrainingBadInput(arguments: integrate + ["--train-size", "0"], message: "--train-size must be positive, got 0"),
        TrainingBadInput(arguments: integrate + ["--train-size=-5"], message: "--train-size must be positive, got -5"),
        TrainingBadInput(arguments: integrate + ["--test-size", "0"], message: "--test-size must be positive, got 0"),
        TrainingBadInput(arguments: integrate + ["--activation", "foo"], message: "'foo' is invalid for '--activation"),
        TrainingBadInput(arguments: integrate + ["--protocol", "foo"], message: "'foo' is invalid for '--protocol"),
        TrainingBadInput(arguments: discrete + ["--lr", "0"], message: "--lr and --t-final must be positive"),
        TrainingBadInput(arguments: discrete + ["--lr", "nan"], message: "--lr and --t-final must be positive"),
        TrainingBadInput(arguments: discrete + ["--batch-size", "0"], message: "--batch-size must be positive, got 0"),
        TrainingBadInput(arguments: discrete + ["--epochs", "0"], message: "the number of epochs must be at least 1, got 0"),
        TrainingBadInput(arguments: integrate + ["--q-window", "0"], message: "the q window must lie inside (0, t-final]"),
        TrainingBadInput(arguments: integrate + ["--q-window=-1"], message: "the q window must lie inside (0, t-final]"),
        TrainingBadInput(arguments: integrate + ["--q-window", "30"], message: "the q window must lie inside (0, t-final]"),
        TrainingBadInput(arguments: discrete + ["--q-window", "0"], message: "the q window must lie inside (0, t-final]"),
        TrainingBadInput(arguments: discrete + ["--q-window=-1"], message: "the q window must lie inside (0, t-final]"),
        TrainingBadInput(arguments: discrete + ["--q-window", "30"], message: "the q window must span 1 to 200 epochs, got 300"),
        TrainingBadInput(arguments: integrate + ["--teacher-hidden", "0"], message: "--teacher-hidden must be positive, got 0"),
        TrainingBadInput(arguments: integrate + ["--start", "teacher", "--teacher-hidden", "5"],
                         message: "--start teacher needs --teacher-hidden equal to --hidden"),
        TrainingBadInput(arguments: integrate + ["--feedback-scale", "0"], message: "--feedback-scale must be positive"),
        TrainingBadInput(arguments: integrate + ["--rule", "dfa", "--feedback-scale=-1"], message: "--feedback-scale must be positive"),
        TrainingBadInput(arguments: integrate + ["--load-state", "/nonexistent"], message: "cannot read the state file /nonexistent"),
        // A teacher of another width needs finite data: the population flow refuses it up front.
        TrainingBadInput(arguments: ["integrate", "-M", "6", "-N", "4", "--teacher-hidden", "8", "--t-final", "20"],
                         message: "the population flow needs a teacher as wide as the student"),
        TrainingBadInput(arguments: compare + ["--seeds", "1"],
                         message: "--seeds must be at least 2 for a paired comparison, got 1"),
        TrainingBadInput(arguments: compare + ["--threshold", "0"], message: "--threshold must be positive"),
        TrainingBadInput(arguments: compare + ["--threshold", "inf"], message: "--threshold must be positive"),
        TrainingBadInput(arguments: compare + ["--threads", "0"], message: "--threads must be positive"),
        TrainingBadInput(arguments: compare + ["--feedback-scale", "0"], message: "--feedback-scale must be positive"),
        TrainingBadInput(arguments: compare + ["--train-size", "0"], message: "--train-size must be positive, got 0"),
        TrainingBadInput(arguments: compare + ["--protocol", "discrete", "--batch-size", "0"], message: "--batch-size must be positive, got 0"),
    ]
}

/// A state file that `--load-state` must refuse, and the text its message must contain.
struct BadStateFile: Sendable, CustomTestStringConvertible {
    var label: String
    var contents: String
    var message: String
    var testDescription: String { label }

    static let wrongShape = "does not hold a 6 -> 4 network"
    static let invalid = "is not a valid state file"

    static let all: [BadStateFile] = [
        BadStateFile(label: "empty", contents: "", message: wrongShape),
        BadStateFile(label: "not numbers", contents: "garbage\nmore garbage\n", message: wrongShape),
        BadStateFile(label: "a 5 -> 4 network", contents: stateFileText(inputs: 5, hidden: 4), message: wrongShape),
        BadStateFile(label: "a 6 -> 3 network", contents: stateFileText(inputs: 6, hidden: 3), message: wrongShape),
        BadStateFile(label: "W2 missing", contents: stateFileText(inputs: 6, hidden: 4).split(separator: "\n").dropLast().joined(separator: "\n") + "\n",
                     message: invalid),
        BadStateFile(label: "a short row", contents: stateFileText(inputs: 6, hidden: 4, value: { i, j in i == 2 && j == 5 ? "" : "0.1" }),
                     message: invalid),
        BadStateFile(label: "a word among the weights", contents: stateFileText(inputs: 6, hidden: 4, value: { i, j in i == 1 && j == 0 ? "abc" : "0.1" }),
                     message: invalid),
        BadStateFile(label: "a NaN weight", contents: stateFileText(inputs: 6, hidden: 4, w2: { $0 == 3 ? "nan" : "0.2" }), message: invalid),
        BadStateFile(label: "an infinite weight", contents: stateFileText(inputs: 6, hidden: 4, value: { i, j in i == 0 && j == 0 ? "inf" : "0.1" }),
                     message: invalid),
        BadStateFile(label: "an extra row", contents: stateFileText(inputs: 6, hidden: 4) + "0.1 0.2 0.3 0.4\n", message: invalid),
    ]
}

/// An integration protocol, for tests that run both.
struct ProtocolCase: Sendable, CustomTestStringConvertible {
    var label: String
    var arguments: [String]
    var testDescription: String { label }

    static let continuous = ProtocolCase(label: "continuous", arguments: [])
    static let discrete = ProtocolCase(label: "discrete lr 0.1 B 10", arguments: ["--protocol", "discrete", "--lr", "0.1", "--batch-size", "10"])
    static let both = [continuous, discrete]
}

@Suite("curldyn integrate and compare with finite data, end to end")
struct TrainingCLITests {
    static let allRules = ["gd", "curl", "dfa", "dfa-curl"]

    /// Runs `integrate` on the small finite-data network with `--json --no-plot` (no figure unless `figure`),
    /// requires success and returns the data file, the JSON summary and its runs.
    func integrate(_ box: Sandbox, _ extra: [String], name: String = "integrate", figure: Bool = false)
        throws -> (file: DataFileContents, summary: [String: Any], runs: [[String: Any]]) {
        let arguments = ["integrate"] + smallTraining + extra + ["--out", box.out.path, "--name", name, "--json"]
            + (figure ? ["--figures", repositoryFigures.path] : ["--no-plot"])
        let result = try box.run(arguments)
        try #require(result.status == 0, "\(result)")
        let summary = try parseJSONObject(result.stdout)
        let runs = try #require(summary["runs"] as? [[String: Any]], "no runs in \(result.stdout)")
        let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("\(name).dat"))
        return (file, summary, runs)
    }

    /// The header parameters, required to parse as unique key=value pairs.
    func parameters(_ file: DataFileContents) throws -> [String: String] {
        let parsed = file.parameters
        return try #require(parsed, "the parameters line is not unique space-separated key=value pairs: \(file.headerValue("parameters") ?? "missing")")
    }

    // MARK: - Refusing bad input

    @Test("bad input for the finite-data and compare options: a clear message, a non-zero exit and nothing in --out",
          arguments: TrainingBadInput.all)
    func badTrainingInputIsRefusedWithoutOutput(_ input: TrainingBadInput) throws {
        try withSandbox { box in
            let result = try box.run(input.arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            try expectRefused(result, mentioning: input.message, sandbox: box)
        }
    }

    @Test("a malformed state file or one for another network is refused with a clear message and no output", arguments: BadStateFile.all)
    func badStateFileIsRefused(_ state: BadStateFile) throws {
        try withSandbox { box in
            let stateURL = box.root.appendingPathComponent("bad.state")
            try Data(state.contents.utf8).write(to: stateURL)
            let result = try box.run(["integrate"] + smallTraining + ["--load-state", stateURL.path, "--out", box.out.path,
                                                                      "--figures", repositoryFigures.path])
            #expect(result.exitedNormally, "\(result)")
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.hasPrefix("Error: "), "\(result)")
            #expect(result.stderr.contains(state.message), "\(result)")
            #expect(result.stderr.contains(stateURL.path), "the message names the file: \(result)")
            #expect(result.stdout.isEmpty, "\(result)")
            let entries = try box.outEntries()
            #expect(entries == nil || entries == [], "files left in --out: \(entries ?? [])")
        }
    }

    // MARK: - Finite data

    @Test("a finite-data tanh run writes train and test losses and norms, one set per rule, and a figure")
    func finiteDataRunWritesTrainAndTestLosses() throws {
        try withSandbox { box in
            let (file, summary, runs) = try integrate(box, ["--activation", "tanh"], figure: true)
            #expect(try box.outEntries() == ["integrate.dat", "integrate.png"])
            let png = try Data(contentsOf: box.out.appendingPathComponent("integrate.png"))
            #expect(png.prefix(8) == pngMagic && png.count > 1000)

            #expect(file.header.last == trainingColumnsLine)
            #expect(file.header.contains("finite data (30 train, 20 test samples), continuous protocol"), "\(file.header)")
            let p = try parameters(file)
            #expect(p["activation"] == "tanh")
            #expect(p["output_activation"] == "tanh")
            #expect(p["data"] == "finite")
            #expect(p["train_size"] == "30")
            #expect(p["test_size"] == "20")
            #expect(p["protocol"] == "continuous")
            #expect(p["q_window"] == "none")

            #expect(summary["data"] as? String == "finite")
            #expect(summary["activation"] as? String == "tanh")
            #expect(summary["integrator"] as? String == "continuous")
            try #require(file.sets.count == 2 && runs.count == 2)
            #expect(runs.map { $0["rule"] as? String } == ["gd", "curl"])
            for (run, set) in zip(runs, file.sets) {
                let rule = run["rule"] as? String ?? "?"
                #expect(set.title.hasPrefix("\(rule) flipped_inputs=0 flipped_hidden=\(rule == "gd" ? 0 : 2) status=completed"), "\(set.title)")
                #expect(run["status"] as? String == "completed", "\(rule)")
                #expect(set.rows.count == 16, "\(rule): t = 0 and 15 log-spaced points")
                try #require(set.rows.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) }, "\(set.title)")
                let t = set.column(0)
                #expect(t.first == 0)
                #expect(t.last == 20)
                #expect(zip(t, t.dropFirst()).allSatisfy { $0 < $1 }, "times increase: \(t)")
                #expect(set.rows.allSatisfy { $0[1] >= 0 && $0[2] >= 0 && $0[3] > 0 && $0[4] > 0 }, "\(rule)")
                let last = try #require(set.rows.last)
                let finalLoss = try #require(run["final_loss"] as? Double, "\(rule)")
                let finalTestLoss = try #require(run["final_test_loss"] as? Double, "\(rule): no final_test_loss")
                #expect(agree(finalLoss, last[1]), "\(rule): JSON \(finalLoss), file \(last[1])")
                #expect(agree(finalTestLoss, last[2]), "\(rule): JSON \(finalTestLoss), file \(last[2])")
                #expect((run["initial_loss"] as? Double).map { agree($0, set.rows[0][1]) } == true, "\(rule)")
                #expect(run["q"] is NSNull, "\(rule): q without --q-window")
                #expect(run["initial_lambda_min_k"] is NSNull, "\(rule): lambda_min(K) is for linear networks only")
            }
            // Same teacher, start and data for both rules; gradient descent learns.
            #expect(file.sets[0].rows[0] == file.sets[1].rows[0])
            #expect(file.sets[0].rows.last![1] < 0.1 * file.sets[0].rows[0][1], "gd did not learn")
        }
    }

    @Test("without --train-size a finite-data run records the 250 samples it used, not 'population'")
    func defaultTrainingSetSizeIsRecorded() throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "6", "-N", "4", "--activation", "tanh", "--t-final", "5", "--points", "5",
                                      "--out", box.out.path, "--no-plot"])
            try #require(result.status == 0, "\(result)")
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat"))
            let p = try parameters(file)
            #expect(p["data"] == "finite")
            #expect(p["train_size"] == "250")
            #expect(file.header.contains("finite data (250 train, 100 test samples), continuous protocol"), "\(file.header)")
        }
    }

    @Test("every rule runs: gd, curl, dfa and dfa-curl give one completed data set each", arguments: ProtocolCase.both)
    func everyRuleRuns(_ integration: ProtocolCase) throws {
        try withSandbox { box in
            let (file, _, runs) = try integrate(box, ["--rule"] + Self.allRules + integration.arguments)
            #expect(try parameters(file)["rules"] == "gd,curl,dfa,dfa-curl")
            try #require(file.sets.count == 4 && runs.count == 4)
            #expect(runs.map { $0["rule"] as? String } == Self.allRules)
            for (k, rule) in Self.allRules.enumerated() {
                let flipped = rule.hasSuffix("curl") ? 2 : 0
                #expect(file.sets[k].title.hasPrefix("\(rule) flipped_inputs=0 flipped_hidden=\(flipped) status=completed"), "\(file.sets[k].title)")
                #expect(runs[k]["status"] as? String == "completed", "\(rule)")
                #expect(runs[k]["flipped_hidden"] as? Int == flipped, "\(rule)")
                #expect(file.sets[k].rows.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) }, "\(rule)")
                #expect(file.sets[k].rows[0] == file.sets[0].rows[0], "\(rule) starts elsewhere than gd")
            }
            // Four different dynamics.
            let data = file.data
            for a in 0..<4 { for b in (a + 1)..<4 { #expect(data[a] != data[b], "\(Self.allRules[a]) and \(Self.allRules[b]) give the same data") } }
        }
    }

    @Test("--norm-constraint keeps |W1|_F and |W2| at their initial values for every rule", arguments: ProtocolCase.both)
    func normConstraintKeepsNorms(_ integration: ProtocolCase) throws {
        try withSandbox { box in
            let (file, _, runs) = try integrate(box, ["--rule"] + Self.allRules + ["--norm-constraint"] + integration.arguments)
            #expect(try parameters(file)["norm_constraint"] == "true")
            try #require(file.sets.count == 4)
            for (set, run) in zip(file.sets, runs) {
                #expect(run["status"] as? String == "completed", "\(set.title)")
                try #require(set.rows.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) }, "\(set.title)")
                let w1 = set.column(3), w2 = set.column(4)
                #expect(relativeSpread(w1) < 1e-8, "\(set.title): |W1|_F from \(w1.min()!) to \(w1.max()!)")
                #expect(relativeSpread(w2) < 1e-8, "\(set.title): |W2| from \(w2.min()!) to \(w2.max()!)")
                // The weights do move: the train loss changes.
                let loss = set.column(1)
                #expect(relativeSpread(loss) > 1e-3, "\(set.title): the loss did not change")
            }
            // Unconstrained, the norms change.
            let (free, _, _) = try integrate(box, ["--rule", "gd"] + integration.arguments, name: "free")
            #expect(relativeSpread(free.sets[0].column(3)) > 1e-4, "|W1|_F is constant even without the constraint")
        }
    }

    // MARK: - The discrete protocol

    @Test("--protocol discrete logs the reference's log-spaced epochs, at t = lr * (epoch + 1), and counts its minibatch updates")
    func discreteProtocolLogsReferenceEpochs() throws {
        try withSandbox { box in
            let lr = 0.1
            let (file, summary, runs) = try integrate(box, ["--protocol", "discrete", "--lr", "\(lr)", "--batch-size", "10"])
            let p = try parameters(file)
            #expect(p["protocol"] == "discrete")
            #expect(p["lr"] == "0.1")
            #expect(p["batch_size"] == "10")
            #expect(p["epochs"] == "t_final/lr")
            #expect(file.header.last == trainingColumnsLine)
            #expect(file.header.contains("finite data (30 train, 20 test samples), discrete protocol"), "\(file.header)")
            #expect(summary["integrator"] as? String == "discrete")
            // t_final 20 / lr 0.1 = 200 epochs of 3 minibatches of 10.
            let expectedTimes = [0.0] + referenceLoggedEpochs200x15.dropFirst().map { lr * Double($0 + 1) }
            try #require(file.sets.count == 2 && runs.count == 2)
            for (set, run) in zip(file.sets, runs) {
                #expect(set.rows.count == referenceLoggedEpochs200x15.count, "\(set.title)")
                let t = set.column(0)
                #expect(t.first == 0)
                #expect(zip(t, t.dropFirst()).allSatisfy { $0 < $1 }, "times increase: \(t)")
                #expect(t.last.map { agree($0, 20) } == true, "last time \(t.last ?? .nan)")
                #expect(t.count == expectedTimes.count && zip(t, expectedTimes).allSatisfy { agree($0, $1) }, "\(t) vs \(expectedTimes)")
                let statistics = try #require(run["statistics"] as? [String: Any])
                #expect(statistics["steps"] as? Int == 600, "\(set.title): 200 epochs x 3 minibatches")
                #expect(statistics["function_evaluations"] as? Int == 600, "\(set.title)")
                #expect((run["final_time"] as? Double).map { agree($0, 20) } == true)
            }
            // --epochs overrides t_final / lr.
            let (override, _, _) = try integrate(box, ["--protocol", "discrete", "--lr", "\(lr)", "--epochs", "150", "--rule", "gd"], name: "epochs")
            #expect(try parameters(override)["epochs"] == "150")
            let t = override.sets[0].column(0)
            #expect(t.count == referenceLoggedEpochs150x15.count)
            #expect(t.last.map { agree($0, 15) } == true, "last time \(t.last ?? .nan)")
        }
    }

    struct ActivationCase: Sendable, CustomTestStringConvertible {
        var activation: String
        var testDescription: String { activation }
    }

    @Test("full-batch discrete training at a small rate ends close to the continuous flow, for every rule",
          arguments: [ActivationCase(activation: "lin"), ActivationCase(activation: "tanh")])
    func discreteProtocolApproachesContinuousFlow(_ a: ActivationCase) throws {
        try withSandbox { box in
            let common = ["--rule"] + Self.allRules + ["--activation", a.activation]
            let (_, _, continuous) = try integrate(box, common, name: "continuous")
            let (_, _, discrete) = try integrate(box, common + ["--protocol", "discrete", "--lr", "0.01", "--batch-size", "30"], name: "discrete")
            try #require(continuous.count == 4 && discrete.count == 4)
            for (c, d) in zip(continuous, discrete) {
                let rule = c["rule"] as? String ?? "?"
                #expect(d["rule"] as? String == rule)
                // The first entry is the same start on the whole training set (B = P).
                let (ci, di) = (try #require(c["initial_loss"] as? Double), try #require(d["initial_loss"] as? Double))
                #expect(agree(ci, di, tolerance: 1e-12), "\(rule): initial loss \(ci) vs \(di)")
                for key in ["final_loss", "final_test_loss"] {
                    let (x, y) = (try #require(c[key] as? Double), try #require(d[key] as? Double))
                    #expect(abs(x - y) < 0.05 * abs(x), "\(rule) \(key): continuous \(x), discrete \(y)")
                }
            }
        }
    }

    // MARK: - The order parameter q

    @Test("--q-window prints a finite, non-negative q for every rule", arguments: ProtocolCase.both)
    func qWindowPrintsQForEveryRule(_ integration: ProtocolCase) throws {
        try withSandbox { box in
            let (file, _, runs) = try integrate(box, ["--rule"] + Self.allRules + ["--q-window", "5"] + integration.arguments)
            #expect(try parameters(file)["q_window"] == "5.0")
            try #require(runs.count == 4)
            for run in runs {
                let rule = run["rule"] as? String ?? "?"
                let q = try #require(run["q"] as? Double, "\(rule): no q in \(run)")
                #expect(q.isFinite && q >= 0, "\(rule): q = \(q)")
            }
            // The window does not change the curve (the continuous solver's extra output times inside the window
            // change its steps there, so the last point may move by round-off).
            let (plain, _, _) = try integrate(box, ["--rule"] + Self.allRules + integration.arguments, name: "plain")
            #expect(maxRelativeDifference(plain.data, file.data) < 1e-8)
        }
    }

    // MARK: - Saved states

    @Test("--save-state writes each rule's final weights; --load-state restarts from them at the saved final loss")
    func savedStateRestartsWhereTheRunEnded() throws {
        try withSandbox { box in
            let rules = ["gd", "curl", "dfa"]
            let (first, _, _) = try integrate(box, ["--rule"] + rules + ["--save-state"], name: "first")
            #expect(try box.outEntries() == ["first.dat", "first_curl.state", "first_dfa.state", "first_gd.state"])
            for (k, rule) in rules.enumerated() {
                let stateURL = box.out.appendingPathComponent("first_\(rule).state")
                let lines = try String(contentsOf: stateURL, encoding: .utf8).split(separator: "\n")
                #expect(lines.first?.hasPrefix("# curldyn ") == true)
                #expect(lines.contains("# seed: 1"))
                #expect(lines.filter { !$0.hasPrefix("#") }.first == "6 4", "\(rule): sizes line")
                #expect(lines.filter { !$0.hasPrefix("#") }.count == 1 + 4 + 1, "\(rule): sizes, 4 rows of W1, W2")

                // Same seed, so the same data: the new run's first row is the saved run's last.
                let name = "from_\(rule)"
                let (restart, _, runs) = try integrate(box, ["--rule", "gd", "--load-state", stateURL.path, "--t-final", "0.5", "--points", "3"],
                                                       name: name)
                #expect(try parameters(restart)["start"] == "file:\(stateURL.path)")
                let saved = try #require(first.sets[k].rows.last)
                let restarted = try #require(restart.sets.first?.rows.first)
                #expect(restarted[0] == 0)
                for c in 1...4 { #expect(agree(restarted[c], saved[c]), "\(rule), column \(c + 1): restart \(restarted[c]), saved \(saved[c])") }
                #expect((runs.first?["initial_loss"] as? Double).map { agree($0, saved[1]) } == true, "\(rule)")
            }
            // Another seed draws other data: the same weights have another loss (the norms are those of the file).
            let stateURL = box.out.appendingPathComponent("first_gd.state")
            let (other, _, _) = try integrate(box, ["--rule", "gd", "--load-state", stateURL.path, "--t-final", "0.5", "--points", "3",
                                                    "--seed", "2"], name: "seed2")
            let saved = try #require(first.sets[0].rows.last)
            let row = try #require(other.sets.first?.rows.first)
            #expect(row[1] != saved[1], "seed 2 gives the same training loss")
            #expect(agree(row[3], saved[3]) && agree(row[4], saved[4]))
        }
    }

    @Test("a hand-written state file in the documented format is loaded as the start")
    func handWrittenStateFileLoads() throws {
        try withSandbox { box in
            let stateURL = box.root.appendingPathComponent("hand.state")
            let value = { (i: Int, j: Int) in 0.1 * Double(i + 1) - 0.05 * Double(j) }
            let w2 = { (i: Int) in 0.3 - 0.1 * Double(i) }
            try Data(stateFileText(inputs: 6, hidden: 4, value: { "\(value($0, $1))" }, w2: { "\(w2($0))" }).utf8).write(to: stateURL)
            let (file, _, _) = try integrate(box, ["--rule", "gd", "curl", "--load-state", stateURL.path, "--t-final", "0.5", "--points", "3"])
            let w1Norm = (0..<4).flatMap { i in (0..<6).map { j in value(i, j) * value(i, j) } }.reduce(0, +).squareRoot()
            let w2Norm = (0..<4).map { w2($0) * w2($0) }.reduce(0, +).squareRoot()
            for set in file.sets {
                #expect(agree(set.rows[0][3], w1Norm), "\(set.title): |W1|_F \(set.rows[0][3]), expected \(w1Norm)")
                #expect(agree(set.rows[0][4], w2Norm), "\(set.title): |W2| \(set.rows[0][4]), expected \(w2Norm)")
            }
        }
    }

    // MARK: - Flip convention and selection, wider teachers

    @Test("--convention row flips hidden neurons' incoming rows and is recorded in the header")
    func rowConventionRuns() throws {
        try withSandbox { box in
            let (file, _, runs) = try integrate(box, ["--convention", "row", "--flip-inputs", "2"])
            let p = try parameters(file)
            #expect(p["convention"] == "row")
            #expect(p["flip_selection"] == "first")
            #expect(p["curl_flipped_inputs"] == "2")
            try #require(file.sets.count == 2)
            #expect(file.sets[1].title.hasPrefix("curl flipped_inputs=2 flipped_hidden=0 status=completed"), "\(file.sets[1].title)")
            #expect(runs.allSatisfy { $0["status"] as? String == "completed" })
            #expect(runs.allSatisfy { $0["initial_lambda_min_k"] is NSNull || $0["rule"] as? String == "gd" }, "lambda_min(K) is for the column convention")
            #expect(file.sets[0].rows[0] == file.sets[1].rows[0])
            #expect(file.data[0] != file.data[1], "row-convention curl gives the gd data")
        }
    }

    @Test("--flip-selection random flips a seeded subset: recorded, reproducible, and not always the first neurons")
    func randomFlipSelection() throws {
        try withSandbox { box in
            var curlDiffers: [Int] = []
            for seed in 1...3 {
                let common = ["--flip-hidden", "2", "--seed", "\(seed)"]
                let (random, _, _) = try integrate(box, common + ["--flip-selection", "random"], name: "random\(seed)")
                let (again, _, _) = try integrate(box, common + ["--flip-selection", "random"], name: "again\(seed)")
                let (first, _, _) = try integrate(box, common, name: "first\(seed)")
                let p = try parameters(random)
                #expect(p["flip_selection"] == "random")
                #expect(p["convention"] == "column")
                #expect(random.sets.map(\.title) == first.sets.map(\.title), "the same number of flips either way")
                #expect(random.data == again.data, "seed \(seed): random selection is not reproducible")
                #expect(random.data[0] == first.data[0], "seed \(seed): the selection changed gradient descent")
                if random.data[1] != first.data[1] { curlDiffers.append(seed) }
            }
            // With 2 of 4 neurons, the random subset is the first two with probability 1/6 per seed.
            #expect(!curlDiffers.isEmpty, "random selection flipped the first neurons for seeds 1, 2 and 3")
        }
    }

    struct TeacherCase: Sendable, CustomTestStringConvertible {
        var hidden: Int
        var activation: String
        var testDescription: String { "teacher N = \(hidden), \(activation)" }
    }

    @Test("a teacher wider or narrower than the student runs on finite data",
          arguments: [TeacherCase(hidden: 8, activation: "lin"), TeacherCase(hidden: 8, activation: "tanh"), TeacherCase(hidden: 2, activation: "lin")])
    func teacherOfAnotherWidthRuns(_ teacher: TeacherCase) throws {
        try withSandbox { box in
            let (file, _, runs) = try integrate(box, ["--teacher-hidden", "\(teacher.hidden)", "--activation", teacher.activation])
            let p = try parameters(file)
            #expect(p["teacher_N"] == "\(teacher.hidden)")
            #expect(p["N"] == "4")
            try #require(file.sets.count == 2 && runs.count == 2)
            #expect(runs.allSatisfy { $0["status"] as? String == "completed" })
            for set in file.sets {
                #expect(set.rows.count == 16 && set.rows.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) }, "\(set.title)")
            }
            let gd = file.sets[0].column(1)
            #expect(gd.last! < gd.first!, "gd did not learn: \(gd.first!) -> \(gd.last!)")
        }
    }

    // MARK: - compare

    static let compareRun = ["compare", "--seeds", "3", "--rule", "gd", "curl", "--flip-hidden", "1"] + smallTraining + ["--threshold", "1e-2"]

    @Test("compare writes mean curves, per-rule statistics with a paired t-test, a figure, a JSON summary and its seeds' checkpoint")
    func compareWritesCurvesStatsAndFigure() throws {
        try withSandbox { box in
            let result = try box.run(Self.compareRun + ["--out", box.out.path, "--figures", repositoryFigures.path, "--json"])
            try #require(result.status == 0, "\(result)")
            #expect(result.stderr.isEmpty, "\(result.stderr)")
            #expect(try box.outEntries() == ["compare.checkpoint", "compare.png", "compare_curves.dat", "compare_seeds.dat", "compare_stats.dat"])
            let png = try Data(contentsOf: box.out.appendingPathComponent("compare.png"))
            #expect(png.prefix(8) == pngMagic && png.count > 1000)

            // Mean curves: one set per rule, 5 columns, the shared log grid.
            let curves = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_curves.dat"))
            #expect(curves.header.last == compareCurvesColumnsLine)
            #expect(curves.headerValue("seed") == "1")
            let p = try parameters(curves)
            #expect(p["train_size"] == "30")
            #expect(p["seeds"] == "3")
            #expect(p["threshold"] == "0.01")
            #expect(p["on"] == "test")
            #expect(p["rules"] == "gd,curl")
            #expect(p["flip_hidden"] == "1")
            try #require(curves.sets.count == 2)
            #expect(curves.sets.map(\.title) == ["gd", "curl"])
            for set in curves.sets {
                #expect(set.rows.count == 16, "\(set.title)")
                try #require(set.rows.allSatisfy { $0.count == 5 && $0.allSatisfy(\.isFinite) }, "\(set.title)")
                let t = set.column(0)
                #expect(t.first == 0 && t.last == 20)
                #expect(zip(t, t.dropFirst()).allSatisfy { $0 < $1 })
                #expect(set.rows.allSatisfy { $0[1...].allSatisfy { $0 >= 0 } }, "\(set.title): negative mean or standard error")
                #expect(set.rows.contains { $0[2] > 0 }, "\(set.title): no spread over seeds")
            }
            #expect(curves.sets[0].rows[0] == curves.sets[1].rows[0], "paired: both rules start from the same students")

            // Statistics: one row per rule.
            let stats = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_stats.dat"))
            #expect(stats.header.last == compareStatsColumnsLine)
            #expect(stats.header.filter { !$0.hasPrefix("columns:") && !$0.hasPrefix("rows:") } == curves.header.filter { !$0.hasPrefix("columns:") && !$0.hasPrefix("rows:") })
            try #require(stats.sets.count == 2)
            #expect(stats.sets.map(\.title) == ["gd", "curl"])
            for (k, set) in stats.sets.enumerated() {
                try #require(set.rows.count == 1 && set.rows[0].count == 9, "\(set.title): \(set.rows)")
                let row = set.rows[0]
                #expect(row[0] == Double(k))
                #expect(row[1] > 0 && row[1] <= 20, "\(set.title): mean time \(row[1])")
                #expect(row[2] >= 0)
                #expect(row[3] == row[3].rounded() && (0...3).contains(row[3]), "\(set.title): reached \(row[3])")
                #expect(row[4] == 3)
                #expect(row[5] == 0, "no seed diverged")
                if k == 0 {
                    #expect(row[6].isNaN && row[7].isNaN && row[8].isNaN, "the first rule is the baseline: \(row)")
                } else {
                    #expect(row[7] == 2 || row[7].isNaN, "df \(row[7])")
                    #expect(row[8].isNaN || (0...1).contains(row[8]), "p-value \(row[8])")
                }
            }

            // The JSON summary.
            let envelope = try parseJSONEnvelope(result.stdout)
            let summary = try parseJSONObject(result.stdout)
            #expect(envelope["command"] as? String == "compare")
            #expect(summary["seeds"] as? [Int] == [1, 2, 3])
            #expect(summary["threshold"] as? Double == 0.01)
            #expect(summary["on"] as? String == "test")
            #expect((envelope["files"] as? [String: String])?["data"] == box.out.appendingPathComponent("compare_curves.dat").path)
            #expect((envelope["files"] as? [String: String])?["stats"] == box.out.appendingPathComponent("compare_stats.dat").path)
            #expect(envelope["figure"] as? String == box.out.appendingPathComponent("compare.png").path)
            let rules = try #require(summary["rules"] as? [[String: Any]])
            #expect(rules.map { $0["rule"] as? String } == ["gd", "curl"])
            for (rule, set) in zip(rules, stats.sets) {
                let row = set.rows[0]
                #expect(rule["reached"] as? Int == Int(row[3]), "\(set.title)")
                #expect((rule["mean_time"] as? Double).map { agree($0, row[1]) } == true, "\(set.title)")
                #expect((rule["standard_error_time"] as? Double).map { agree($0, row[2]) } == true, "\(set.title)")
                #expect((rule["mean_final_test_loss"] as? Double).map { $0.isFinite && $0 >= 0 } == true, "\(set.title)")
                #expect(rule["mean_epochs"] is NSNull, "continuous runs have no epochs (null, not absent)")
            }
            #expect(rules[0]["p_value"] is NSNull && rules[0]["t"] is NSNull)
            if !pValueIsNaN(stats.sets[1]) {
                #expect((rules[1]["p_value"] as? Double).map { agree($0, stats.sets[1].rows[0][8]) } == true)
                #expect(rules[1]["degrees_of_freedom"] as? Int == 2)
            }
        }
    }

    private func pValueIsNaN(_ set: DataFileContents.DataSet) -> Bool { set.rows.first.map { $0[8].isNaN } ?? true }

    @Test("compare is reproducible: the same command gives byte-identical files, and the data do not depend on --threads")
    func compareIsReproducible() throws {
        try withSandbox { box in
            let base = Self.compareRun + ["--out", box.out.path, "--no-plot"]
            let names = ["compare_curves.dat", "compare_stats.dat"]
            func contents(_ name: String) throws -> Data { try Data(contentsOf: box.out.appendingPathComponent(name)) }

            try #require(try box.run(base).status == 0)
            let first = try names.map(contents)
            try #require(try box.run(base).status == 0)
            #expect(try names.map(contents) == first, "two runs of the same command differ")

            // Thread counts: every line but the command line (which records --threads) is identical.
            var byThreads: [[String]] = []
            for threads in [1, 2] {
                try #require(try box.run(base + ["--threads", "\(threads)", "--name", "t\(threads)"]).status == 0)
                byThreads.append(try ["curves", "stats"].map { try String(contentsOf: box.out.appendingPathComponent("t\(threads)_\($0).dat"), encoding: .utf8) })
            }
            for (one, two) in zip(byThreads[0], byThreads[1]) {
                let strip = { (text: String) in text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.hasPrefix("# command: ") } }
                #expect(strip(one) == strip(two), "--threads 1 and --threads 2 give different files")
                #expect(sameValues(try DataFileContents(parsing: one).data, try DataFileContents(parsing: two).data))
            }
            // The default-thread file has the same data as well.
            #expect(try DataFileContents(parsing: byThreads[0][0]).data
                    == DataFileContents(parsing: String(decoding: first[0], as: UTF8.self)).data)
        }
    }

    @Test("compare with the discrete protocol reports the mean epochs to threshold")
    func compareDiscreteReportsEpochs() throws {
        try withSandbox { box in
            let result = try box.run(Self.compareRun + ["--protocol", "discrete", "--lr", "0.1", "--out", box.out.path, "--no-plot", "--json"])
            try #require(result.status == 0, "\(result)")
            let rules = try #require(try parseJSONObject(result.stdout)["rules"] as? [[String: Any]])
            try #require(rules.count == 2)
            for rule in rules {
                let epochs = try #require(rule["mean_epochs"] as? Double, "\(rule)")
                #expect(epochs >= 0 && epochs <= 199, "\(rule)")
            }
            let curves = try DataFileContents(contentsOf: box.out.appendingPathComponent("compare_curves.dat"))
            #expect(try parameters(curves)["protocol"] == "discrete")
            #expect(curves.sets.allSatisfy { $0.rows.count == referenceLoggedEpochs200x15.count })
        }
    }
}
