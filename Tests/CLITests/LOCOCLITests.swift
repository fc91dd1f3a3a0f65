import Foundation
import Testing

/// `curldyn np-variance` and `loco-learn`, end to end (loco.md sections 5.3 and 7).
@Suite("curldyn np-variance and loco-learn, end to end")
struct LOCOCLITests {
    @Test("np-variance: LOCO's function-space ratio is below 0.1 in S1, the control's is 1, and the file has one row per variant")
    func varianceStudy() throws {
        try withSandbox { box in
            let result = try box.run(["np-variance", "--setting", "s1", "--draws", "300", "--evaluation-per-cluster", "20", "--json", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let rows = try parseJSONRows(result.stdout)
            let byName = Dictionary(uniqueKeysWithValues: rows.map { ($0["name"] as? String ?? "", $0) })
            #expect((byName["LOCO"]?["function_ratio"] as? Double ?? 1) < 0.1)
            #expect(abs((byName["control"]?["weight_ratio"] as? Double ?? 0) - 1) < 1e-9)
            let text = try String(contentsOf: box.out.appendingPathComponent("np_variance.dat"), encoding: .utf8)
            #expect(text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.count == 5)
            #expect(text.contains("# seed: 0"))
        }
    }

    @Test("np-variance --depth 3: one row per layer and variant of the tanh student 100-64-64-10, each V_w beside its closed form")
    func varianceAtDepth() throws {
        try withSandbox { box in
            let result = try box.run(["np-variance", "--depth", "3", "--draws", "200", "--evaluation-per-cluster", "10", "--no-plot", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let text = try String(contentsOf: box.out.appendingPathComponent("np_variance.dat"), encoding: .utf8)
            #expect(text.contains("widths=100-64-64-10"), "\(text)")
            let rows = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }.map { $0.split(separator: " ").compactMap { Double($0) } }
            #expect(rows.count == 3 * 5 && Set(rows.map { $0[0] }) == [1, 2, 3])
            // V_w (column 3) within 4 standard errors (column 4) of its closed form (column 5), every layer and variant.
            for r in rows { #expect(abs(r[2] - r[4]) < 4 * r[3], "\(r)") }
        }
    }

    @Test("loco-learn: a short sweep writes curves, a summary and a figure; the same command gives the same numbers")
    func learningSweep() throws {
        try withSandbox { box in
            let arguments = ["loco-learn", "--methods", "np", "loco", "--lr-min", "0.05", "--lr-max", "0.4", "--lr-points", "3", "--steps", "100",
                             "--out", box.out.path, "--figures", repositoryFigures.path]
            let first = try box.run(arguments)
            #expect(first.status == 0, "\(first)")
            let summaryURL = box.out.appendingPathComponent("loco_learn_summary.dat")
            let summary = try String(contentsOf: summaryURL, encoding: .utf8)
            #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("loco_learn.png").path))
            #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("loco_learn_curves.dat").path))
            let second = try box.run(arguments)
            #expect(second.status == 0)
            #expect(try String(contentsOf: summaryURL, encoding: .utf8) == summary)
        }
    }

    @Test("loco-learn records the centroid refresh period (default 200, --refresh or --centroid-refresh) in the files' provenance")
    func tanhRecordsCentroidRefresh() throws {
        try withSandbox { box in
            let arguments = ["loco-learn", "--network", "tanh", "--methods", "loco", "--lr-min", "0.03", "--lr-points", "1", "--steps", "20",
                             "--no-plot", "--out", box.out.path]
            for (extra, period) in [([String](), "200"), (["--centroid-refresh", "5"], "5"), (["--refresh", "7"], "7"),
                                    (["--network", "linear", "--refresh", "3"], "3")] {
                let result = try box.run(arguments + extra)
                #expect(result.status == 0, "\(result)")
                let summary = try String(contentsOf: box.out.appendingPathComponent("loco_learn_summary.dat"), encoding: .utf8)
                #expect(summary.contains("centroid_refresh=\(period)"), "\(summary)")
            }
        }
    }

    @Test("loco-learn refuses a centroid refresh period below 1 step, a depth outside 2...12, and --depth for the linear network", arguments: [
        (["--network", "tanh", "--methods", "np", "loco", "--centroid-refresh", "0"], "--refresh must be at least 1"),
        (["--network", "tanh", "--methods", "loco", "--refresh", "-3"], "--refresh must be at least 1"),
        (["--network", "tanh", "--depth", "13"], "--depth must lie in 2...12"),
        (["--depth", "4"], "--depth and --student-scale apply to --network tanh only"),
        (["--network", "tanh", "--student-scale", "0"], "--student-scale must lie in (0, 10]"),
    ])
    func badCentroidRefreshIsRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["loco-learn"] + arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }

    @Test("bad input is refused before anything is written", arguments: [
        ["np-variance", "--draws", "5"],
        ["np-variance", "--sigma", "0"],
        ["np-variance", "--cluster", "9"],
        ["np-variance", "--rank", "40", "--batch-size", "32"],
        ["loco-learn", "--lr-min", "0"],
        ["loco-learn", "--lr-min", "1", "--lr-max", "0.1"],
        ["loco-learn", "--methods", "adam"],
        ["loco-learn", "--steps", "0"],
        ["np-variance", "--depth", "13"],
        ["np-variance", "--depth", "3", "--hidden", "64"],
        ["bench", "--loco-depth", "--loco-steps", "0"],
        ["bench", "--loco-depth", "--clock", "cpu"],
    ])
    func badInput(arguments: [String]) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--out", box.out.path])
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.hasPrefix("Error:"), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
