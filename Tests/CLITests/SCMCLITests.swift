import Foundation
import Testing

/// `curldyn scm`: the soft committee machine's curves, fixed points and flip sweeps.
@Suite("curldyn scm, end to end")
struct SCMCLITests {
    @Test("scm curve writes the ODE curve beside the SGD mean and error bars; fixed-points prints the closed-form plateau")
    func curveAndFixedPoints() throws {
        try withSandbox { box in
            let curve = try box.run(["scm", "curve", "--inputs", "200", "--time", "1", "--points", "3", "--simulate", "3", "--no-plot",
                                     "--alpha-h", "0.3", "--flipped-readouts", "1", "--out", box.out.path])
            #expect(curve.status == 0 && curve.stdout.contains("online SGD (N = 200, 3 replicates)"), "\(curve)")
            let data = try String(contentsOf: box.out.appendingPathComponent("scm_curve.dat"), encoding: .utf8)
            let rows = data.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty }
            #expect(rows.count == 3 && rows.allSatisfy { $0.split(separator: " ").count == 4 }, "\(data)")
            let fixed = try box.run(["scm", "fixed-points", "--units", "2", "--alpha-h", "0.1", "--out", box.out.path])
            #expect(fixed.status == 0 && fixed.stdout.contains("eps_g = 0.01161084"), "\(fixed)")
        }
    }

    @Test("bad scm input is refused with exit 64 and nothing written", arguments: [
        ["scm", "curve", "--alpha-h", "1.5"], ["scm", "curve", "--flipped-readouts", "3"], ["scm", "curve", "--simulate", "2", "--gradient-flow"],
        ["scm", "sweep", "--fixed-readout"], ["scm", "fixed-points", "--units", "0"], ["scm", "curve", "--eta", "-1"],
    ])
    func badInputIsRefused(_ arguments: [String]) throws {
        try withSandbox { box in
            let result = try box.run(arguments + ["--out", box.out.path])
            #expect(result.status == 64, "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
