import ArgumentParser
import NumericalKit

/// `curldyn`: learning dynamics of student-teacher networks under gradient and curl descent.
@main
struct CurlDyn: ParsableCommand {
    static let version = "0.1.0"
    /// Exit status of a run whose data and summary were delivered but whose figure could not be rendered.
    static let figureNotRendered: Int32 = 3

    static let configuration = CommandConfiguration(
        commandName: "curldyn",
        abstract: "Learning dynamics of student-teacher networks: curl descent, stability, node perturbation.",
        discussion: """
        Exit status: 0 success (a run that diverged is a result: kept, marked in the data header and the \
        summary); 1 a failure, nothing written; 3 data and summary written but the figure could not be rendered \
        (the warning on stderr says why); 64 bad input, nothing written. Files of one run are written as a set.
        """,
        version: version,
        groupedSubcommands: [
            CommandGroup(name: "Learning dynamics", subcommands: [Integrate.self, Compare.self, StabilityCommand.self, LyapunovCommand.self, SCMCommand.self]),
            CommandGroup(name: "Random-matrix theory", subcommands: [Critical.self, Spectrum.self, PhaseDiagramCommand.self]),
            CommandGroup(name: "Node perturbation and LOCO", subcommands: [NPVarianceCommand.self, LOCOLearnCommand.self, NPSweepCommand.self, NPCurlCommand.self]),
            CommandGroup(name: "Paper figures and tools", subcommands: [FigureCommand.self, Merge.self, Bench.self]),
        ]
    )

    /// The entry point: first the BLAS kernels that fit the CPU (which may relaunch this program once, before
    /// anything else happens; see `BLASKernel`), then the command line.
    static func main() {
        BLASKernel.relaunchWithFittingCoreIfNeeded()
        main(nil)
    }
}
