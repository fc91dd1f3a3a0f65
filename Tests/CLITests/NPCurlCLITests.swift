import Foundation
import Testing

/// `curldyn np-curl`, end to end (curl-descent.md 2.2 with node perturbation, loco.md 2.1).
@Suite("curldyn np-curl, end to end")
struct NPCurlCLITests {
    @Test("flipped hidden neurons make lambda_min < 0: the file has the header and the error grows at about 1 - lr lambda_min")
    func unstableRun() throws {
        try withSandbox { box in
            let arguments = ["np-curl", "-M", "20", "-N", "30", "--flip-hidden", "15", "--steps", "300", "--seed", "1", "--direction", "bottom",
                             "--displacement", "1e-5", "--replicates", "4", "--json", "--name", "flips", "--out", box.out.path, "--figures", repositoryFigures.path]
            let result = try box.run(arguments)
            #expect(result.status == 0, "\(result)")
            let summary = try parseJSONObject(result.stdout)
            let lambdaMin = try #require(jsonDouble(summary["lambda_min"]))
            #expect(lambdaMin < 0)
            #expect(jsonDouble(summary["stability_rank"]) == 20)
            #expect(summary["np_update_ranks"] as? [Int] == [10, 1])
            #expect(summary["gradient_update_ranks"] as? [Int] == [1, 1])
            let predicted = try #require(jsonDouble(summary["predicted_growth_factor"]))
            #expect(abs(predicted - (1 - 0.01 * lambdaMin)) < 1e-12)
            let methods = try #require(summary["methods"] as? [[String: Any]])
            #expect(methods.compactMap { $0["method"] as? String } == ["gd", "np"])
            for m in methods {
                let measured = try #require(jsonDouble(m["measured_growth_factor"]))
                #expect(abs(log(measured) / log(predicted) - 1) < 0.1, "\(m)")
            }

            let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("flips.dat"))
            #expect(data.headerValue("seed") == "1")
            #expect(data.header.contains { $0.hasPrefix("command: ") && $0.contains("np-curl") })
            #expect(data.header.first?.hasPrefix("curldyn ") == true)
            let parameters = try #require(data.parameters)
            #expect(parameters["flip_hidden"] == "15" && parameters["flip_inputs"] == "0" && parameters["M"] == "20" && parameters["N"] == "30")
            #expect(parameters["method"] == "both" && parameters["lr"] == "0.01" && parameters["direction"] == "bottom")
            // One data set per method, then the linear theory; columns step, |u|.
            try #require(data.sets.count == 3, "gd, np and the theory")
            #expect(data.sets.map { $0.title.split(separator: " ").first.map(String.init) } == ["gd", "np", "linear"])
            for set in data.sets {
                #expect(set.rows.count == 31 && set.rows.allSatisfy { $0.count == 2 }, "\(set.title)")
                #expect(set.rows.map { Int($0[0]) } == Array(stride(from: 0, through: 300, by: 10)), "\(set.title)")
            }
            // |u| of gd and np grows by more than 10x over 200 steps ((1 - lr lambda_min)^200 ~ 24).
            for set in data.sets.prefix(2) {
                #expect(set.rows[20][1] > 10 * set.rows[0][1], "\(set.title): \(set.rows[0]) -> \(set.rows[20])")
            }
            #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("flips.png").path))

            // Same seed, same numbers.
            let again = try box.run(arguments.map { $0 == "flips" ? "again" : $0 })
            #expect(again.status == 0, "\(again)")
            #expect(try dataLines(of: box.out.appendingPathComponent("again.dat")) == dataLines(of: box.out.appendingPathComponent("flips.dat")))
        }
    }

    @Test("without flips lambda_min > 0 and the error decays; the default output names and plain text report")
    func stableRun() throws {
        try withSandbox { box in
            let result = try box.run(["np-curl", "--flip-hidden", "0", "--method", "gd", "--steps", "200", "--seed", "1", "--no-plot", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            // The report's lambda_min is positive (no flips: K = |w2|^2 I + W1^T W1 is positive definite) and the
            // predicted factor is 1 - lr lambda_min with the default lr 0.01, both as printed.
            let lambdaMin = try #require(result.stdout.firstMatch(of: /lambda_min (-?[0-9.]+)/).flatMap { Double($0.1) })
            let factor = try #require(result.stdout.firstMatch(of: /1 - lr lambda_min = ([0-9.]+)/).flatMap { Double($0.1) })
            #expect(lambdaMin > 0, "\(result)")
            #expect(abs(factor - (1 - 0.01 * lambdaMin)) < 1e-4, "\(result)")
            #expect(result.stdout.contains("rank 20 of 20"), "\(result)")
            #expect(try box.outEntries() == ["np_curl.dat"])
            let sets = try DataFileContents(contentsOf: box.out.appendingPathComponent("np_curl.dat")).sets
            #expect(sets.count == 2, "gd and the theory")
            let rows = try #require(sets.first?.rows)
            #expect(rows.allSatisfy { $0.count == 2 })
            #expect(rows.last![1] < rows[0][1] / 2)
        }
    }

    @Test("bad input is refused with a clear message and no files", arguments: [
        (["--lr", "0"], "--lr must be positive"),
        (["--sigma", "-1e-3"], "--sigma must be positive"),
        (["--flip-inputs", "21"], "--flip-inputs must lie in 0...20"),
        (["-N", "10", "--flip-hidden", "11"], "--flip-hidden must lie in 0...10"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
        (["--steps", "0"], "--steps must be at least 1"),
        (["--log-every", "0"], "--log-every must be at least 1"),
        (["--displacement", "0"], "--displacement must be positive"),
        (["--replicates", "0"], "--replicates and --threads must be at least 1"),
        (["--method", "sgd"], "--method"),
        (["--direction", "up"], "--direction"),
        (["--name", "a/b"], "--name must be a plain file name"),
    ])
    func badInput(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["np-curl"] + arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }
}
