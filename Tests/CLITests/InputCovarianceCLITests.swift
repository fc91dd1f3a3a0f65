import Foundation
import Testing

/// `curldyn integrate --input-covariance FILE`: the population flow with L = 1/2 u Sigma u^T.
@Suite("curldyn integrate --input-covariance")
struct InputCovarianceCLITests {
    static let small = ["integrate", "-M", "4", "-N", "6", "--t-final", "50", "--no-plot"]

    /// Writes `rows` as a covariance file in the sandbox (outside --out) and returns its path.
    func covarianceFile(_ rows: [[String]], in box: Sandbox) throws -> String {
        let url = box.root.appendingPathComponent("sigma.txt")
        try ("# covariance\n" + rows.map { $0.joined(separator: " ") }.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    static func diagonal(_ value: String, _ m: Int) -> [[String]] {
        (0..<m).map { i in (0..<m).map { $0 == i ? value : "0" } }
    }

    @Test("Sigma = sigma_x^2 I in a file reproduces the isotropic run exactly, and the header names the file")
    func isotropicFileReproducesTheDefault() throws {
        try withSandbox { box in
            let path = try covarianceFile(Self.diagonal("0.5", 4), in: box)
            let plain = try box.run(Self.small + ["--out", box.out.path, "--name", "plain"])
            let file = try box.run(Self.small + ["--out", box.out.path, "--name", "file", "--input-covariance", path])
            #expect(plain.status == 0 && file.status == 0, "\(plain) \(file)")
            let a = try DataFileContents(contentsOf: box.out.appendingPathComponent("plain.dat"))
            let b = try DataFileContents(contentsOf: box.out.appendingPathComponent("file.dat"))
            #expect(a.sets.map(\.rows) == b.sets.map(\.rows))
            #expect(b.header.contains { $0.contains("input_covariance=\(path)") }, "\(b.header)")
        }
    }

    @Test("An anisotropic covariance changes the loss: L(0) = 1/2 u Sigma u^T doubles when Sigma doubles")
    func lossScalesWithSigma() throws {
        try withSandbox { box in
            var losses: [Double] = []
            for (value, name) in [("1", "one"), ("2", "two")] {
                let path = try covarianceFile(Self.diagonal(value, 4), in: box)
                let result = try box.run(Self.small + ["--out", box.out.path, "--name", name, "--input-covariance", path])
                #expect(result.status == 0, "\(result)")
                let data = try DataFileContents(contentsOf: box.out.appendingPathComponent("\(name).dat"))
                losses.append(data.sets[0].rows[0][1])
            }
            #expect(abs(losses[1] / losses[0] - 2) < 1e-12, "\(losses)")
        }
    }

    @Test("bad covariance files and flows without a covariance are refused, and nothing is written", arguments: [
        ("negative", "symmetric positive definite"),
        ("asymmetric", "symmetric positive definite"),
        ("wrong size", "must hold 4 rows of 4 numbers"),
        ("not a number", "holds entries that are not finite numbers"),
        ("missing", "cannot read the covariance file"),
        ("finite data", "--input-covariance applies to the linear population flow only"),
    ])
    func badInput(case name: String, message: String) throws {
        try withSandbox { box in
            var rows = Self.diagonal("1", 4)
            var extra: [String] = []
            switch name {
            case "negative": rows[2][2] = "-1"
            case "asymmetric": rows[0][1] = "0.3"
            case "wrong size": rows.removeLast()
            case "not a number": rows[1][1] = "one"
            case "finite data": extra = ["--train-size", "20"]
            default: break
            }
            let path = name == "missing" ? box.root.appendingPathComponent("nowhere.txt").path : try covarianceFile(rows, in: box)
            let result = try box.run(Self.small + ["--out", box.out.path, "--input-covariance", path] + extra)
            try expectRefused(result, mentioning: message, sandbox: box)
        }
    }
}
