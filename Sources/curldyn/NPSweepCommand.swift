import ArgumentParser
import Foundation
import GnuplotIO
import NodePerturbation
import NumericalKit
import Studies

extension SweepParameter: ExpressibleByArgument {}

/// `curldyn np-sweep`: the NP weight-space variance of the first layer (W_1) against one parameter, Monte Carlo beside the
/// closed form (loco.md 2.3 and 5.1).
struct NPSweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "np-sweep",
        abstract: "Sweep the node-perturbation variance over width, depth, perturbed layers, sigma or projection rank.",
        discussion: """
        A seeded random tanh student MLP, inputs x ~ N(0, I), targets from a seeded random teacher of the same shape, \
        one fixed batch. Per value of --parameter: the trace variance of the first layer's (W_1) NP weight-gradient estimate over \
        --draws draws (with its standard error) and the linearised closed form of loco.md 2.3 / 5.1. \
        width: hidden width of a one-hidden-layer net; depth: hidden layers; layers: the first k layers perturbed \
        (1 = W_1 only, depth + 1 = all); sigma: perturbation size; rank: rank of a random projector of the first layer's (W_1) \
        input. Writes OUT/NAME.dat (columns value mc_variance se closed_form) and OUT/NAME.png.
        """)

    @Option(help: "Swept parameter: width, depth, layers, sigma or rank.") var parameter: SweepParameter
    @Option(parsing: .upToNextOption, help: "Values of the parameter (default: a list per parameter).") var values: [Double] = []
    @Option(parsing: .unconditional, help: "Perturbation draws R per point.") var draws = 500
    @Option(parsing: .unconditional, help: "Seed of the networks, the batch, the projector and the draws.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Perturbation size sigma (when not swept; 1e-8...1e3).") var sigma = 1e-3
    @Option(parsing: .unconditional, help: "Input width n_0.") var inputs = 8
    @Option(parsing: .unconditional, help: "Hidden width (when not swept).") var hidden = 8
    @Option(parsing: .unconditional, help: "Output width.") var outputs = 4
    @Option(parsing: .unconditional, help: "Hidden layers (when not swept; width sweeps use 1).") var depth = 1
    @Option(parsing: .unconditional, help: "Batch size B.") var batchSize = 8
    @Option(help: "Base name of the output files.") var name = "np_sweep"
    @OptionGroup(title: "Output") var output: OutputOptions

    var base: VarianceSweep.Configuration {
        var c = VarianceSweep.Configuration()
        c.inputs = inputs
        c.hidden = hidden
        c.outputs = outputs
        c.depth = depth
        c.batchSize = batchSize
        c.sigma = sigma
        c.draws = draws
        c.seed = seed
        return c
    }

    var sweepValues: [Double] { values.isEmpty ? parameter.defaultValues(for: base) : values }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn np-sweep with these sizes")
        guard draws >= 2 else { throw ValidationError("--draws must be at least 2, got \(draws)") }
        let sigmas = NodePerturbationEstimator.sigmaRange
        guard sigmas.contains(sigma) else { throw ValidationError("--sigma must be positive and within \(sigmas.lowerBound)...\(sigmas.upperBound), got \(sigma)") }
        guard inputs >= 1, hidden >= 1, outputs >= 1, depth >= 0, batchSize >= 1 else {
            throw ValidationError("need --inputs, --hidden, --outputs, --batch-size >= 1 and --depth >= 0")
        }
        for v in sweepValues {
            switch parameter {
            case .sigma:
                guard sigmas.contains(v) else { throw ValidationError("sigma values must be positive and within \(sigmas.lowerBound)...\(sigmas.upperBound), got \(v)") }
            case .width, .depth, .layers, .rank:
                guard v.isFinite, v >= 1, v == v.rounded(), v <= 4096 else {
                    throw ValidationError("\(parameter.rawValue) values must be integers in 1...4096, got \(v)")
                }
                if parameter == .layers, Int(v) > depth + 1 {
                    throw ValidationError("layers values must lie in 1...\(depth + 1) (the network's layers), got \(v)")
                }
                if parameter == .rank, Int(v) > inputs {
                    throw ValidationError("rank values must lie in 1...\(inputs) (--inputs), got \(v)")
                }
            }
        }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let report = try rethrowingAsValidation { try NPSweepStudy(parameter: parameter, values: sweepValues, base: base).run() }
        try output.deliver(report, command: "np-sweep", baseName: name,
                           parameters: [("parameter", parameter.rawValue), ("values", sweepValues.map { "\($0)" }.joined(separator: ",")),
                                        ("draws", "\(draws)"), ("sigma", "\(sigma)"), ("inputs", "\(inputs)"), ("hidden", "\(hidden)"),
                                        ("outputs", "\(outputs)"), ("depth", "\(depth)"), ("batch_size", "\(batchSize)")],
                           seed: seed)
    }
}
