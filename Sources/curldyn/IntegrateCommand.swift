import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit
import Studies

/// `curldyn integrate`: one student-teacher learning run per rule, from the same teacher, start and data.
struct Integrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Integrate student-teacher learning dynamics (GD, curl descent, feedback alignment) for one seed.",
        discussion: """
        Linear networks without --train-size follow the population flow (loss sigma_x^2/2 |W2 W1 - w*|^2) and \
        OUT/NAME.dat has columns t, loss, |u|, |W1|_F, |W2| and the distance to the solution manifold; otherwise a finite training set is used (full-batch \
        flow, or the reference's minibatch protocol with --protocol discrete) and the columns are t, train loss, \
        test loss, |W1|_F, |W2|. One data set (gnuplot index) per rule; OUT/NAME.png shows the curves. \
        Without flip options, curl descent flips half the hidden neurons (alpha_r = 0.5).
        """)

    @OptionGroup(title: "Networks and data") var network: NetworkOptions
    @OptionGroup(title: "Rules") var rules: RuleOptions
    @OptionGroup(title: "Dynamics") var dynamics: DynamicsOptions
    @OptionGroup(title: "Output") var output: OutputOptions
    @Option(parsing: .unconditional, help: "Seed of the teacher, the student start, the data and every other draw.") var seed: UInt64 = 1
    @Option(help: "Base name of the output files.") var name = "integrate"
    @Flag(help: "Save each rule's final weights to OUT/NAME_<rule>.state (load with --load-state).") var saveState = false
    @Option(help: ArgumentHelp("File with an M x M input covariance Sigma (rows of numbers, # comments) for the linear population flow; replaces sigma_x^2 I.",
                               valueName: "file")) var inputCovariance: String?

    /// The population flow applies to linear networks learning from the input distribution itself.
    var usesPopulationFlow: Bool {
        network.activation == .linear && network.trainSize == nil && dynamics.integration == .continuous && !dynamics.normConstraint
            && dynamics.qWindow == nil && rules.rules.allSatisfy { $0.feedback == .backpropagation }
    }

    var trainCount: Int { network.trainCount }

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn integrate with these sizes")
        try rethrowingAsValidation {
            let shape = try network.shape
            for rule in rules.rules { _ = try rule.signs(for: shape) }
            if usesPopulationFlow {
                try dynamics.continuousOptions.validate(parameterCount: shape.parameterCount)
                guard rules.convention == .column else {
                    throw ValidationError("the linear population flow takes column-convention flips; give --train-size for --convention row")
                }
                guard (network.teacherHidden ?? network.hidden) == network.hidden else {
                    throw ValidationError("the population flow needs a teacher as wide as the student; give --train-size for a wider or narrower teacher")
                }
            }
            if inputCovariance != nil, !usesPopulationFlow {
                throw ValidationError("--input-covariance applies to the linear population flow only (linear network, no --train-size, continuous protocol, no norm constraint, --q-window or feedback alignment)")
            }
            _ = try dynamics.integrator(trainCount: trainCount)
        }
    }


    func run() throws {
        BLASThreads.pinToOne()
        let shape = try network.shape
        rules.warnIfCurlFlipsNothing(shape)
        let loaded = try network.loadState.map { try StateFile.read(URL(fileURLWithPath: $0), shape: shape) }
        let data: IntegrationStudy.Data
        if usesPopulationFlow {
            let pair = try StudentTeacherPair(shape: shape, teacherHidden: network.teacherHidden, teacher: network.teacherInit,
                                              normalizedTeacher: network.normalizedTeacher, student: network.studentStart, seed: seed)
            data = .population(teacher: pair.teacher, start: loaded ?? pair.student, inputVariance: network.inputVariance,
                               inputCovariance: try inputCovariance.map { try CovarianceFile.read(URL(fileURLWithPath: $0), size: shape.inputs) },
                               options: dynamics.continuousOptions)
        } else {
            data = .finite(try network.experiment(rules: rules.rules, integrator: try dynamics.integrator(trainCount: trainCount),
                                                  normConstraint: dynamics.normConstraint), start: loaded)
        }
        let study = IntegrationStudy(rules: rules.rules, data: data, seed: seed)
        let progress = ProgressLine()
        let runs = try study.run { progress.update($0) }
        progress.finish()
        let mode = usesPopulationFlow ? "linear M -> N -> 1 population flow, L = 1/2 u Sigma u^T, u = W2 W1 - w*, Sigma = "
                                          + (inputCovariance.map { "the matrix in \($0)" } ?? "sigma_x^2 I")
                                      : "finite data (\(trainCount) train, \(network.testSize) test samples), \(dynamics.integration.rawValue) protocol"
        var report = study.report(runs, shape: shape, description: .init(
            activation: network.activation.rawValue, integrator: dynamics.integration.rawValue,
            stepper: dynamics.integration == .continuous ? dynamics.stepper : nil, mode: mode,
            caption: "M=\(network.inputs), N=\(network.hidden), \(network.activation.rawValue), seed \(seed)", savesState: saveState))
        if saveState {
            report.attachments = runs.filter(\.status.isSuccess).map { r in
                ("_\(r.rule.name).state", "state \(r.rule.name)", StateFile.render(r.final, command: commandLineString, seed: seed))
            }
        }
        try output.deliver(report, command: "integrate", baseName: name,
                           parameters: network.parameters(trainCount: usesPopulationFlow ? nil : trainCount) + rules.parameters + dynamics.parameters
                               + (inputCovariance.map { [("input_covariance", $0)] } ?? []),
                           seed: seed)
    }
}
