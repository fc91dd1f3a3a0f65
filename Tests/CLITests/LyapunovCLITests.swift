import Foundation
import Testing

/// `curldyn lyapunov`, end to end: files, JSON shape, a known exponent, and refusals of bad input.
@Suite("curldyn lyapunov, end to end")
struct LyapunovCLITests {
    @Test("a small sweep writes the exponents, running estimates and segments; GD at the teacher has lambda_1 = 0 (the manifold is neutral)")
    func smallSweep() throws {
        try withSandbox { box in
            let result = try box.run(["lyapunov", "-M", "4", "-N", "6", "--train-size", "30", "--start", "teacher-shifted", "--shift-w2", "1e-10",
                                      "--norm-constraint", "--alpha", "0", "1", "--exponents", "2", "--transient", "20", "--time", "40",
                                      "--segments", "4", "--q-window", "10", "--no-plot", "--json", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let summary = try parseJSONObject(result.stdout)
            let points = try #require(summary["points"] as? [[String: Any]])
            #expect(points.count == 2)
            let gd = try #require(points[0]["exponents"] as? [Double])
            #expect(gd.count == 2)
            #expect(abs(gd[0]) < 1e-6, "\(gd)")
            #expect((points[1]["standard_errors"] as? [Double])?.count == 2)
            for file in ["lyapunov.dat", "lyapunov_running.dat", "lyapunov_segments.dat", "lyapunov_critical.dat"] {
                let text = try String(contentsOf: box.out.appendingPathComponent(file), encoding: .utf8)
                #expect(!dataLines(text).filter { !$0.isEmpty }.isEmpty, "\(file)")
            }
            let segments = try String(contentsOf: box.out.appendingPathComponent("lyapunov_segments.dat"), encoding: .utf8)
            #expect(segments.components(separatedBy: "# index ").count - 1 == 2, "one set per alpha")
            #expect(dataLines(segments).filter { !$0.isEmpty }.count == 8, "4 segments per alpha")
        }
    }

    @Test("bad input exits 64 with a clear message", arguments: [
        (["--alpha", "1.5"], "--alpha"),
        (["--exponents", "0"], "--exponents"),
        (["--exponents", "40", "--norm-constraint"], "--exponents"),
        (["--segments", "1"], "--segments"),
        (["--stepper", "msbdf"], "explicit stepper"),
        (["--time", "10", "--interval", "5"], "--interval"),
        (["--q-window", "-1"], "--q-window"),
    ])
    func badInputIsRefused(_ arguments: [String], _ message: String) throws {
        try withSandbox { box in
            let result = try box.run(["lyapunov", "-M", "4", "-N", "6", "--train-size", "30", "--out", box.out.path] + arguments)
            #expect(result.status == 64, "\(result)")
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }
}
