import Foundation
import Testing

// The numbers do not depend on how many threads OpenBLAS may use (OPENBLAS_NUM_THREADS) nor on how many workers
// `parallelMap` runs (--threads): every command that calls BLAS or LAPACK writes byte-identical data lines.
// A multi-threaded OpenBLAS call splits its sums differently and changes the last bits, so this fails for any
// command that lets the environment choose the BLAS thread count.

/// One command that calls BLAS or LAPACK, at a size where a two-thread OpenBLAS would split its calls
/// (matrix products of ~60 x 160 and more, dense eigenproblems of a few hundred), yet runs in about a second.
/// When the environment chose the thread count, OPENBLAS_NUM_THREADS=2 changed the data of 9 of these 11 cases
/// (not of `critical`, whose measured column counts unstable draws, nor of `np-sweep`'s statistics; nor of
/// `integrate`'s population flow at M = 20, N = 199 or `loco-learn`'s linear network, hence the sizes here).
struct BLASCommandCase: Sendable, CustomTestStringConvertible {
    var label: String
    /// The command line without --out, --no-plot and --threads.
    var arguments: [String]
    /// Whether the command has --threads (work spread over cells, seeds or draws by `parallelMap`).
    var hasThreadsOption: Bool

    var testDescription: String { label }

    static let all: [BLASCommandCase] = [
        BLASCommandCase(label: "integrate, finite data",
                        arguments: ["integrate", "-M", "62", "-N", "157", "--train-size", "250", "--t-final", "1", "--points", "10"],
                        hasThreadsOption: false),
        BLASCommandCase(label: "integrate, population flow",
                        arguments: ["integrate", "-M", "62", "-N", "157", "--t-final", "5", "--points", "10"], hasThreadsOption: false),
        BLASCommandCase(label: "compare",
                        arguments: ["compare", "-M", "62", "-N", "157", "--train-size", "250", "--t-final", "1", "--points", "10", "--seeds", "2"],
                        hasThreadsOption: true),
        BLASCommandCase(label: "stability",
                        arguments: ["stability", "-M", "10", "-N", "20", "--rule", "gd", "curl", "--flip-hidden", "5"], hasThreadsOption: false),
        BLASCommandCase(label: "critical --sizes",
                        arguments: ["critical", "--layer", "hidden", "--c", "0.3", "3", "--sizes", "200", "--draws", "1"], hasThreadsOption: true),
        BLASCommandCase(label: "spectrum --sample-hidden",
                        arguments: ["spectrum", "--layer", "readout", "--c", "10", "--alpha", "0.5", "--sample-hidden", "100"],
                        hasThreadsOption: false),
        BLASCommandCase(label: "phase-diagram --empirical",
                        arguments: ["phase-diagram", "--c-points", "5", "--alpha-points", "5", "--empirical", "200",
                                    "--empirical-c-points", "2", "--empirical-alpha-points", "2", "--draws", "1"],
                        hasThreadsOption: true),
        BLASCommandCase(label: "np-variance",
                        arguments: ["np-variance", "--hidden", "16", "--draws", "200", "--evaluation-per-cluster", "10"], hasThreadsOption: true),
        BLASCommandCase(label: "loco-learn",
                        arguments: ["loco-learn", "--network", "tanh", "--batch-size", "64", "--methods", "sgd", "np", "loco",
                                    "--lr-min", "0.05", "--lr-max", "0.4", "--lr-points", "2", "--steps", "30"],
                        hasThreadsOption: true),
        BLASCommandCase(label: "np-sweep",
                        arguments: ["np-sweep", "--parameter", "width", "--values", "64", "128", "--inputs", "64", "--draws", "50"],
                        hasThreadsOption: false),
        BLASCommandCase(label: "np-curl",
                        arguments: ["np-curl", "-M", "20", "-N", "30", "--flip-hidden", "15", "--steps", "300"], hasThreadsOption: true),
    ]
}

@Test("every BLAS-using command writes the same data lines for OPENBLAS_NUM_THREADS=1 and 2 and for --threads 1 and 2",
      arguments: BLASCommandCase.all)
func dataIndependentOfBLASAndWorkerThreads(command: BLASCommandCase) throws {
    try withSandbox { box in
        // (OPENBLAS_NUM_THREADS, --threads): the first is the reference; each other run changes one of the two.
        var settings = [("1", "1"), ("2", "1")]
        if command.hasThreadsOption { settings.append(("1", "2")) }
        var runs: [(setting: String, files: [String: [String]])] = []
        for (blas, workers) in settings {
            let setting = "OPENBLAS_NUM_THREADS=\(blas)" + (command.hasThreadsOption ? " --threads \(workers)" : "")
            let out = box.root.appendingPathComponent("out-blas\(blas)-workers\(workers)")
            let arguments = command.arguments + (command.hasThreadsOption ? ["--threads", workers] : []) + ["--no-plot", "--out", out.path]
            let result = try box.run(arguments, environment: ["OPENBLAS_NUM_THREADS": blas])
            try #require(result.status == 0, "\(result)")
            runs.append((setting, try dataFiles(in: out)))
        }
        let reference = runs[0]
        try #require(!reference.files.isEmpty, "\(command.label) wrote no .dat file")
        #expect(reference.files.values.allSatisfy { $0.contains { !$0.isEmpty } }, "a data file without data lines")
        for run in runs.dropFirst() {
            #expect(run.files.keys.sorted() == reference.files.keys.sorted(), "\(run.setting) wrote other files")
            for (name, lines) in reference.files.sorted(by: { $0.key < $1.key }) {
                #expect(run.files[name] == lines, "\(command.label): \(name) differs between \(reference.setting) and \(run.setting)")
            }
        }
    }
}
