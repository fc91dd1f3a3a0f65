import Foundation
import Testing

/// `curldyn np-sweep`, end to end (loco.md 2.3 and 5.1).
@Suite("curldyn np-sweep, end to end")
struct NPSweepCLITests {
    @Test("np-sweep writes one row per value with a provenance header, and a figure")
    func sweep() throws {
        try withSandbox { box in
            let result = try box.run(["np-sweep", "--parameter", "rank", "--values", "1", "2", "4", "--draws", "100", "--seed", "3",
                                      "--name", "ranks", "--out", box.out.path, "--figures", repositoryFigures.path])
            #expect(result.status == 0, "\(result)")
            let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("ranks.dat"))
            #expect(data.sets.count == 1)
            #expect(data.sets.first?.rows.count == 3)
            #expect(data.sets.first?.rows.allSatisfy { $0.count == 4 } == true)
            #expect(data.sets.first?.column(0) == [1, 2, 4])
            #expect(data.headerValue("seed") == "3")
            #expect(data.parameters?["parameter"] == "rank")
            #expect(data.parameters?["draws"] == "100")
            #expect(FileManager.default.fileExists(atPath: box.out.appendingPathComponent("ranks.png").path))
        }
    }

    @Test("default values per parameter, and --json")
    func defaults() throws {
        try withSandbox { box in
            let result = try box.run(["np-sweep", "--parameter", "sigma", "--draws", "50", "--json", "--no-plot", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let rows = try parseJSONRows(result.stdout)
            #expect(rows.count >= 2)
            let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("np_sweep.dat"))
            #expect(data.sets.first?.rows.count == rows.count)
            #expect(try box.outEntries() == ["np_sweep.dat"])
        }
    }

    @Test("bad input is refused before anything is written", arguments: [
        ["np-sweep", "--parameter", "height"],
        ["np-sweep", "--parameter", "width", "--draws", "1"],
        ["np-sweep", "--parameter", "width", "--values"],
        ["np-sweep", "--parameter", "width", "--values", "2.5"],
        ["np-sweep", "--parameter", "rank", "--values", "9", "--inputs", "8"],
        ["np-sweep", "--parameter", "layers", "--values", "3", "--depth", "1"],
        ["np-sweep", "--parameter", "sigma", "--values", "0"],
        ["np-sweep"],
    ])
    func badInput(arguments: [String]) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--out", box.out.path, "--figures", repositoryFigures.path])
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.hasPrefix("Error:"), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
