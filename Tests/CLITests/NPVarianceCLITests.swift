import Foundation
import Testing

/// `curldyn np-variance` with hidden layers: the study of loco.md 5.3 per layer.
@Suite("curldyn np-variance per layer")
struct NPVarianceCLITests {
    @Test("np-variance --hidden: one row per layer and variant, the descent figure only for the output layer")
    func perLayerStudy() throws {
        try withSandbox { box in
            let result = try box.run(["np-variance", "--hidden", "16", "--draws", "200", "--evaluation-per-cluster", "10", "--json", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let rows = try parseJSONRows(result.stdout)
            #expect(rows.map { $0["layer"] as? Int ?? 0 } == [1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
            #expect(rows.allSatisfy { !($0["descent_ratio"] is NSNull) == ($0["layer"] as? Int == 2) })
            for row in rows where row["name"] as? String == "control" {
                #expect(abs((row["weight_ratio"] as? Double ?? 0) - 1) < 1e-9)
            }
            let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("np_variance.dat"))
            #expect(data.sets.flatMap(\.rows).count == 10)
            #expect(data.header.contains { $0.contains("widths=100-16-10") }, "\(data.header)")
        }
    }

    @Test("np-variance --layers 2 studies the output layer alone")
    func singleLayer() throws {
        try withSandbox { box in
            let result = try box.run(["np-variance", "--hidden", "16", "--layers", "2", "--draws", "100", "--evaluation-per-cluster", "5", "--json", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let rows = try parseJSONRows(result.stdout)
            #expect(rows.map { $0["layer"] as? Int ?? 0 } == [2, 2, 2, 2, 2])
        }
    }

    @Test("np-variance refuses layers, ranks and scales that do not fit the network", arguments: [
        (["--layers", "2"], "--layers must be all or a layer 1...1"),
        (["--hidden", "16", "--layers", "0"], "--layers must be all or a layer 1...2"),
        (["--hidden", "8", "--hidden-rank", "9"], "--hidden-rank 9 exceeds the narrowest hidden layer"),
        (["--hidden", "16", "--student-scale", "0"], "--student-scale must be finite and >= 0, and > 0 with hidden layers"),
        (["--hidden", "0"], "--hidden widths must be positive"),
        (["--student-scale", "-1"], "--student-scale must be finite and >= 0"),
    ])
    func badInput(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["np-variance"] + arguments + ["--out", box.out.path])
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }
}
