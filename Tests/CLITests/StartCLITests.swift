import Foundation
import Testing

/// The reference's exact starts on the solution manifold, from the command line.
@Suite("curldyn integrate and compare: the reference's starts")
struct StartCLITests {
    /// The numbers of a state file (sizes line, W1 rows, W2), without comments.
    func stateNumbers(_ url: URL) throws -> (w1: [Double], w2: [Double]) {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").filter { !$0.hasPrefix("#") }
        let rows = lines.dropFirst().map { $0.split(separator: " ").compactMap { Double($0) } }
        return (rows.dropLast().flatMap { $0 }, rows.last ?? [])
    }

    @Test("--start teacher-shifted with --normalized-teacher: on the rescaled teacher (|W1|_F = sqrt N, |W2| = 1), shifted exactly")
    func shiftedNormalizedTeacherStart() throws {
        try withSandbox { box in
            let base = ["integrate", "-M", "4", "-N", "6", "--rule", "gd", "--start", "teacher-shifted", "--normalized-teacher", "--t-final", "1",
                        "--save-state", "--no-plot", "--json", "--out", box.out.path]
            let exact = try box.run(base + ["--name", "exact"])
            try #require(exact.status == 0, "\(exact)")
            let runs = try #require(try parseJSONObject(exact.stdout)["runs"] as? [[String: Any]])
            #expect((jsonDouble(runs[0]["initial_loss"]) ?? 1) < 1e-30, "the unshifted teacher has zero loss, up to round-off")
            let (w1, w2) = try stateNumbers(box.out.appendingPathComponent("exact_gd.state"))
            #expect(abs(w1.reduce(0) { $0 + $1 * $1 }.squareRoot() - 6.0.squareRoot()) < 1e-12)
            #expect(abs(w2.reduce(0) { $0 + $1 * $1 }.squareRoot() - 1) < 1e-12)

            // Shifting every W2 entry by s moves u = W2 W1 - w* by s 1^T W1: the loss is sigma_x^2 / 2 s^2 |1^T W1|^2.
            let shifted = try box.run(base + ["--name", "shifted", "--shift-w2", "1e-10"])
            try #require(shifted.status == 0, "\(shifted)")
            let loss = try #require(jsonDouble((try parseJSONObject(shifted.stdout)["runs"] as? [[String: Any]])?.first?["initial_loss"]))
            let columnSums = (0..<4).map { j in (0..<6).reduce(0.0) { $0 + w1[$1 * 4 + j] } }
            let expected = 0.25 * 1e-20 * columnSums.reduce(0) { $0 + $1 * $1 }
            #expect(abs(loss - expected) <= 1e-6 * expected, "loss \(loss), expected \(expected)")
        }
    }

    @Test("--shift-w1 without --start teacher-shifted is refused")
    func shiftNeedsTheShiftedStart() throws {
        try withSandbox { box in
            let result = try box.run(["integrate", "--shift-w1", "1e-15", "--out", box.out.path])
            try expectRefused(result, mentioning: "--start teacher-shifted", sandbox: box)
        }
    }
}
