import ArgumentParser

/// `curldyn`: learning dynamics of student-teacher networks under gradient and curl descent.
@main
struct CurlDyn: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "curldyn",
        abstract: "Learning dynamics of student-teacher networks: curl descent, stability, node perturbation.",
        version: version,
        subcommands: [Integrate.self, Compare.self, StabilityCommand.self, Critical.self, Spectrum.self, PhaseDiagramCommand.self, Merge.self, NPVarianceCommand.self, LOCOLearnCommand.self, NPSweepCommand.self, NPCurlCommand.self, Bench.self]
    )
}
