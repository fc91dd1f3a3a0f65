import Foundation
import Testing

/// Inputs that used to hang, crash or write meaningless data: each is refused with exit status 64 (a usage
/// error), a message naming the problem and nothing in --out, or now works.
@Suite("input guards: tolerances, steppers, files, seeds, ranges, end to end")
struct InputGuardCLITests {
    /// A refusal as a usage error: `expectRefused` plus ArgumentParser's validation exit status 64.
    func expectUsageError(_ result: CLIResult, mentioning message: String, sandbox box: Sandbox,
                          sourceLocation: SourceLocation = #_sourceLocation) throws {
        try expectRefused(result, mentioning: message, sandbox: box, sourceLocation: sourceLocation)
        #expect(result.status == 64, "\(result)", sourceLocation: sourceLocation)
    }

    static let tinyIntegrate = ["integrate", "-M", "1", "-N", "1", "--rule", "gd", "--t-final", "0.02", "--t-first", "0.01", "--no-plot"]

    // MARK: - Tolerances double precision cannot meet (used to run forever)

    @Test("tolerances below what double precision can meet are refused at once, for explicit and implicit steppers",
          arguments: ["rk8pd", "msbdf", "bsimp"], ["1e-300", "1e-16"])
    func unreachableTolerancesAreRefused(stepper: String, rtol: String) throws {
        try withSandbox { box in
            let result = try box.run(Self.tinyIntegrate + ["--stepper", stepper, "--rtol", rtol, "--atol", "1e-300", "--out", box.out.path],
                                     timeout: 30)
            try expectUsageError(result, mentioning: "100 * machine epsilon", sandbox: box)
        }
    }

    // MARK: - Discrete protocol

    @Test("--protocol discrete --epochs 1 records the trained epoch at t = lr")
    func singleDiscreteEpochIsRecorded() throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "3", "-N", "2", "--train-size", "20", "--rule", "gd", "--protocol", "discrete",
                                      "--epochs", "1", "--lr", "0.1", "--no-plot", "--out", box.out.path])
            try #require(result.status == 0, "\(result)")
            let file = try DataFileContents(contentsOf: box.out.appendingPathComponent("integrate.dat"))
            let times = try #require(file.sets.first).column(0)
            #expect(times == [0, 0.1], "times \(times)")
        }
    }

    @Test("discrete epoch counts and q windows too large for an Int are refused, not trapped",
          arguments: [(["--t-final", "1e300"], "epochs; the discrete protocol runs at most"), (["--t-final", "1e9", "--lr", "1e-3"], "runs at most"),
                      (["--epochs", "2000000000"], "--epochs must be at most"), (["--q-window", "1e300"], "the q window must lie inside"),
                      (["--epochs", "10", "--q-window", "5"], "the q window must span 1 to 10 epochs")])
    func hugeEpochCountsAreRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "2", "-N", "2", "--rule", "gd", "--train-size", "20", "--protocol", "discrete"] + arguments
                                     + ["--no-plot", "--out", box.out.path])
            try expectUsageError(result, mentioning: message, sandbox: box)
        }
    }

    @Test("an unknown --stepper is refused whatever the protocol", arguments: ["continuous", "discrete"])
    func unknownStepperIsRefused(protocolName: String) throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "-M", "3", "-N", "2", "--train-size", "20", "--protocol", protocolName, "--stepper", "foo",
                                      "--no-plot", "--out", box.out.path])
            try expectUsageError(result, mentioning: "unknown stepper 'foo'", sandbox: box)
        }
    }

    // MARK: - bench

    @Test("bench refuses a non-finite or out-of-range --run-time and unbounded matrix sizes",
          arguments: [(["--run-time", "inf"], "--run-time"), (["--run-time", "nan"], "--run-time"), (["--run-time", "0"], "--run-time"),
                      (["--run-time", "1e9"], "--run-time"), (["--gemm-size", "0"], "--gemm-size"), (["--gemm-size", "100000"], "--gemm-size"),
                      (["--eigen-size", "100000"], "--eigen-size"), (["--repeats", "0"], "--repeats")])
    func benchRefusesBadRanges(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["bench"] + arguments)
            #expect(result.status == 64, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
        }
    }

    @Test("bench runs to the end at small sizes, with --extended's short --run-time (0.01: under one epoch and the default first observation)")
    func benchWithShortRunTimeFinishes() throws {
        try withSandbox { box in
            let result = try box.run(["bench", "--gemm-size", "8", "--gemv-size", "8", "--eigen-size", "8", "--stability-size", "8", "--epochs", "2",
                                      "--sweep-cells", "2", "--repeats", "1", "--extended", "--run-time", "0.01", "--markdown"], timeout: 240)
            #expect(result.status == 0, "\(result)")
            #expect(result.stdout.contains("one run to t=0.01"), "\(result)")
            for row in ["| dgemm N=8, 1 thread (bound) |", "| linear 62-157-1, P=250, B=10, curl (Fig. 3a cell) |", "| stability verdict M=N=8, gd + curl (Cholesky) |",
                        "| fig3a quick sweep, 2 cells, 2 threads |"] {
                #expect(result.stdout.contains(row), "\(row): \(result)")
            }
        }
    }

    // MARK: - State and covariance files

    /// A state file for -M 2 -N 1 with `sizes` on its size line and `weights` on the W1 row.
    func stateFile(sizes: String = "2 1", w1: String = "0.5 -0.25", w2: String = "0.75", in box: Sandbox) throws -> String {
        let url = box.root.appendingPathComponent("weights.state")
        try "# curldyn network state\n# seed: 1\n\(sizes)\n\(w1)\n\(w2)\n".write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static let badStates: [(sizes: String, w1: String, w2: String, message: String)] = [
        ("nan 1", "0.5 -0.25", "0.75", "line 3: 'nan' is not a whole number"),
        ("inf 1", "0.5 -0.25", "0.75", "line 3: 'inf' is not a whole number"),
        ("1e300 1", "0.5 -0.25", "0.75", "line 3: '1e300' is not a whole number"),
        ("2 99999999999999999999999", "0.5 -0.25", "0.75", "line 3:"),
        ("2.0 1", "0.5 -0.25", "0.75", "line 3: '2.0' is not a whole number"),
        ("-2 1", "0.5 -0.25", "0.75", "line 3:"),
        ("3 1", "0.5 -0.25", "0.75", "does not hold a 2 -> 1 network (line 3: holds a 3 -> 1 network"),
        ("2 1", "nan -0.25", "0.75", "line 4: 'nan' is not finite"),
        ("2 1", "0.5 inf", "0.75", "line 4: 'inf' is not finite"),
        ("2 1", "0.5 -0.25", "1e300", "line 5: 1e300 exceeds the largest magnitude"),
        ("2 1", "0.5 -1e151", "0.75", "line 4: -1e151 exceeds the largest magnitude"),
        ("2 1", "0.5", "0.75", "line 4: expected 2 numbers"),
        ("2 1", "0.5 x", "0.75", "line 4: 'x' is not a number"),
    ]

    @Test("a state file with non-integer sizes or non-finite or huge weights is refused naming the file and line",
          arguments: Array(badStates.indices))
    func badStateFilesAreRefused(_ k: Int) throws {
        let bad = Self.badStates[k]
        try withSandbox { box in
            let path = try stateFile(sizes: bad.sizes, w1: bad.w1, w2: bad.w2, in: box)
            for command in [["integrate", "--t-final", "1", "--rule", "gd"], ["stability", "--rule", "gd"]] {
                let result = try box.run(command + ["-M", "2", "-N", "1", "--load-state", path, "--no-plot", "--out", box.out.path])
                try expectUsageError(result, mentioning: bad.message, sandbox: box)
                #expect(result.stderr.contains(path), "the message names the file: \(result)")
            }
        }
    }

    @Test("a valid state file (sizes, then weights within the bound) is loaded")
    func validStateFileLoads() throws {
        try withSandbox { box in
            let path = try stateFile(w1: "0.5\t-0.25", in: box)
            let result = try box.run(["integrate", "-M", "2", "-N", "1", "--rule", "gd", "--t-final", "1", "--load-state", path,
                                      "--no-plot", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
        }
    }

    @Test("a covariance file with nan, inf or huge entries is refused naming the file and line",
          arguments: [("nan", "'nan' is not finite"), ("inf", "'inf' is not finite"), ("-inf", "'-inf' is not finite"),
                      ("1e300", "1e300 exceeds the largest magnitude")])
    func badCovarianceEntriesAreRefused(entry: String, message: String) throws {
        try withSandbox { box in
            let url = box.root.appendingPathComponent("sigma.txt")
            try "# Sigma\n1 0\n0 \(entry)\n".write(to: url, atomically: true, encoding: .utf8)
            let result = try box.run(["integrate", "-M", "2", "-N", "3", "--t-final", "1", "--input-covariance", url.path,
                                      "--no-plot", "--out", box.out.path])
            try expectUsageError(result, mentioning: "line 3: \(message)", sandbox: box)
            #expect(result.stderr.contains(url.path), "the message names the file: \(result)")
        }
    }

    @Test("merge refuses shard numbers that are not 1 <= k <= n instead of crashing",
          arguments: ["sweep.shard-0-of-0.dat", "sweep.shard-3-of-2.dat", "sweep.shard-99999999999999999999-of-2.dat"])
    func badShardNumbersAreRefused(name: String) throws {
        try withSandbox { box in
            let url = box.root.appendingPathComponent(name)
            try "# curldyn\n1 2\n".write(to: url, atomically: true, encoding: .utf8)
            let result = try box.run(["merge", url.path, "--output", box.out.appendingPathComponent("merged.dat").path])
            try expectUsageError(result, mentioning: "is not k-of-n", sandbox: box)
        }
    }

    // MARK: - Theory sizes (Int(Double) and M N overflow used to trap)

    @Test("sizes whose M = round(c N) exceeds Int32.max are refused, not trapped converting c N to Int",
          arguments: [(["critical", "--layer", "hidden", "--c", "1e300", "--sizes", "100"], "needs about an unbounded amount"),
                      (["spectrum", "--layer", "readout", "--c", "10", "--alpha", "0.5", "--sample-hidden", "4000000000000"], "more than 2147483647"),
                      (["critical", "--layer", "hidden", "--c", "1e6", "--sizes", "100000000"], "more than 2147483647"),
                      (["critical", "--layer", "hidden", "--c", "0.3", "--sizes", "100000000000"], "more than 2147483647")])
    func hugeTheorySizesAreRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            // A limit past any machine, so that the size checks behind the memory estimate are reached.
            let result = try box.run(arguments + ["--no-plot", "--out", box.out.path], environment: ["CURLDYN_MAX_MEMORY": "1e30"])
            try expectUsageError(result, mentioning: message, sandbox: box)
        }
    }

    // MARK: - Seeds

    @Test("compare refuses a seed range that runs past the largest seed")
    func seedOverflowIsRefused() throws {
        try withSandbox { box in
            let result = try box.run(["compare", "--seed", "18446744073709551615", "--seeds", "2", "--no-plot", "--out", box.out.path])
            try expectUsageError(result, mentioning: "runs past the largest seed", sandbox: box)
        }
    }

    @Test("compare accepts the last seed range that fits (seed max - 1 with 2 seeds)")
    func lastFittingSeedRangeRuns() throws {
        try withSandbox { box in
            let result = try box.run(["compare", "--seed", "18446744073709551614", "--seeds", "2", "-M", "2", "-N", "2", "--train-size", "10",
                                      "--t-final", "1", "--points", "10", "--no-plot", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
        }
    }

    // MARK: - Node perturbation parameters that overflow double precision (used to write NaN data with exit 0)

    @Test("node-perturbation sizes and scales outside their physical range are refused, nothing written",
          arguments: [(["np-variance", "--sigma", "1e300"], "--sigma must be positive and within"),
                      (["np-variance", "--sigma", "1e-300"], "--sigma must be positive and within"),
                      (["np-variance", "--student-scale", "1e200"], "and at most 1000000"),
                      (["np-sweep", "--parameter", "sigma", "--values", "1e300"], "sigma values must be positive and within"),
                      (["np-sweep", "--parameter", "sigma", "--values", "1e-3", "1e-300"], "sigma values must be positive and within"),
                      (["np-sweep", "--parameter", "width", "--sigma", "1e300"], "--sigma must be positive and within"),
                      (["np-curl", "--sigma", "1e300"], "--sigma must be positive and within"),
                      (["loco-learn", "--sigma", "1e300"], "--sigma must be positive and within")])
    func outOfRangePerturbationsAreRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--no-plot", "--out", box.out.path])
            try expectUsageError(result, mentioning: message, sandbox: box)
        }
    }

    // MARK: - stability's weight limit

    @Test("the README's stability example runs as shown, and --help documents the full Jacobian's weight limit")
    func readmeStabilityExampleRuns() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let line = try #require(readme.split(separator: "\n").first { $0.hasPrefix("$B stability ") })
        let arguments = line.dropFirst(3).prefix { $0 != "#" }.split(separator: " ").map(String.init)
        try withSandbox { box in
            let result = try box.run(arguments + ["--no-plot", "--out", box.out.path], timeout: 120)
            #expect(result.status == 0, "\(result)")
            let help = try box.run(["stability", "--help"])
            #expect(help.stdout.contains("at most 3000 weights"), "\(help)")
        }
    }
}
