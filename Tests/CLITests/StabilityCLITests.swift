import Foundation
import Testing

/// `curldyn stability`, end to end (curl-descent.md section 3 and the closed-form critical fraction
/// alpha_r^c(0.1) = 0.2446 of data/critical_fractions_closed_form.csv).
@Suite("curldyn stability, end to end")
struct StabilityCLITests {
    func json(_ result: CLIResult) throws -> [String: Any] {
        try parseJSONObject(result.stdout)
    }

    @Test("the verdict flips across the critical readout fraction at the normalised teacher")
    func verdictAcrossTheCriticalFraction() throws {
        try withSandbox { box in
            for (alpha, verdict) in [("0.15", "stable"), ("0.35", "unstable")] {
                let result = try box.run(["stability", "-M", "40", "-N", "400", "--normalized-teacher", "--rule", "curl", "--alpha-r", alpha,
                                          "--json", "--out", box.out.path])
                #expect(result.status == 0, "\(result)")
                let rules = try #require(try json(result)["rules"] as? [[String: Any]])
                #expect(rules.first?["verdict"] as? String == verdict, "alpha_r = \(alpha): \(rules)")
            }
        }
    }

    @Test("the Cholesky verdict (default) equals the spectrum's (--spectrum) on both sides of the critical fraction, and only --spectrum reports lambda_min")
    func choleskyVerdictEqualsSpectrumVerdict() throws {
        try withSandbox { box in
            for alpha in ["0.15", "0.2", "0.25", "0.3", "0.35"] {
                var verdicts: [String] = []
                for options in [[], ["--spectrum"]] {
                    let result = try box.run(["stability", "-M", "40", "-N", "400", "--normalized-teacher", "--rule", "gd", "curl", "--alpha-r", alpha,
                                              "--json", "--out", box.out.path] + options)
                    try #require(result.status == 0, "\(result)")
                    let rules = try #require(try json(result)["rules"] as? [[String: Any]])
                    verdicts += rules.map { $0["verdict"] as? String ?? "none" }
                    #expect(rules.allSatisfy { ($0["lambda_min_k"] is NSNull) == options.isEmpty }, "\(rules)")
                }
                #expect(verdicts[0] == "stable" && verdicts[0..<2] == verdicts[2..<4], "alpha_r = \(alpha): \(verdicts)")
            }
        }
    }

    @Test("--full: the full Jacobian's transverse eigenvalues equal -sigma_x^2 eig(K), at the teacher and at a random manifold point")
    func fullJacobianAgreesWithTheReduction() throws {
        try withSandbox { box in
            for point in ["teacher", "manifold"] {
                let result = try box.run(["stability", "-M", "6", "-N", "10", "--rule", "gd", "curl", "--flip-inputs", "2", "--flip-hidden", "4",
                                          "--point", point, "--full", "--json", "--out", box.out.path])
                #expect(result.status == 0, "\(result)")
                let summary = try json(result)
                #expect((summary["error_norm"] as? Double ?? 1) < 1e-12)
                for rule in try #require(summary["rules"] as? [[String: Any]]) {
                    #expect((rule["full_jacobian_check"] as? Double ?? 1) < 1e-9, "\(rule)")
                }
                let text = try String(contentsOf: box.out.appendingPathComponent("stability.dat"), encoding: .utf8)
                #expect(text.components(separatedBy: "# index ").count - 1 == 4, "two rules, reduced and full each")
            }
        }
    }

    @Test("nonlinear networks on finite data: the analytic Jacobian matches finite differences; GD is stable at the teacher, curl with many flips is not")
    func nonlinearFullBatchJacobian() throws {
        try withSandbox { box in
            let result = try box.run(["stability", "-M", "10", "-N", "6", "--activation", "tanh", "--train-size", "100", "--rule", "gd", "curl", "dfa",
                                      "--flip-hidden", "3", "--finite-differences", "--json", "--out", box.out.path])
            #expect(result.status == 0, "\(result)")
            let summary = try json(result)
            #expect((summary["error_norm"] as? Double ?? 1) < 1e-20, "the train loss at the teacher")
            let rules = try #require(summary["rules"] as? [[String: Any]])
            #expect(rules.count == 3)
            for rule in rules { #expect((rule["finite_difference_check"] as? Double ?? 1) < 1e-8, "\(rule)") }
            #expect(rules[0]["verdict"] as? String == "stable")
            #expect(rules[1]["verdict"] as? String == "unstable")
        }
    }

    @Test("the linear flow's analytic Jacobian matches finite differences at the manifold")
    func linearFiniteDifferenceCheck() throws {
        try withSandbox { box in
            let result = try box.run(["stability", "-M", "8", "-N", "10", "--rule", "gd", "curl", "--alpha-h", "0.5", "--finite-differences", "--json", "--out", box.out.path])
            for rule in try #require(try json(result)["rules"] as? [[String: Any]]) {
                #expect((rule["finite_difference_check"] as? Double ?? 1) < 1e-8, "\(rule)")
            }
        }
    }

    @Test("gradient descent is always stable and its origin is a saddle")
    func gradientDescentIsStable() throws {
        try withSandbox { box in
            let result = try box.run(["stability", "-M", "30", "-N", "20", "--rule", "gd", "--spectrum", "--json", "--out", box.out.path])
            let rule = try #require((try json(result)["rules"] as? [[String: Any]])?.first)
            #expect(rule["verdict"] as? String == "stable")
            #expect(rule["origin"] as? String == "saddle")
            #expect((rule["lambda_min_k"] as? Double ?? -1) > 0)
        }
    }

    @Test("weights off the manifold are refused rather than given a meaningless verdict")
    func offManifoldPointIsRefused() throws {
        try withSandbox { box in
            // Save a trained-for-a-moment student: not on the manifold.
            let saved = try box.run(["integrate", "-M", "4", "-N", "6", "--t-final", "0.1", "--points", "3", "--rule", "gd", "--save-state",
                                     "--no-plot", "--out", box.root.appendingPathComponent("states").path])
            try #require(saved.status == 0, "\(saved)")
            let state = box.root.appendingPathComponent("states/integrate_gd.state").path
            let result = try box.run(["stability", "-M", "4", "-N", "6", "--load-state", state, "--out", box.out.path])
            #expect(result.status != 0)
            #expect(result.stderr.contains("not on the solution manifold"), "\(result)")
            #expect(try box.outEntries() == nil || (try box.outEntries() ?? []).isEmpty)
        }
    }

    @Test("bad input is refused before anything is written", arguments: [
        (["--full"], "at most 3000 weights"),
        (["--rule", "dfa"], "gradient and curl descent"),
        (["--activation", "tanh", "--point", "manifold", "-M", "4", "-N", "3"], "linear networks only"),
        (["--train-size", "50"], "at most 3000 weights"),
        (["--convention", "row", "--flip-inputs", "1"], "column convention"),
        (["--alpha-r", "2"], "must lie in [0, 1]"),
    ])
    func badInputIsRefused(arguments: [String], message: String) throws {
        try withSandbox { box in
            let result = try box.run(["stability"] + arguments + ["--out", box.out.path])
            #expect(result.status != 0, "\(result)")
            #expect(result.stderr.contains(message), "\(result)")
            #expect(try box.outEntries() == nil)
        }
    }
}
