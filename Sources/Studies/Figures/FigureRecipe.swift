import Dispatch

/// How big a figure's computation is: `full` uses the paper's parameters; `quick` shrinks the grid, the sizes,
/// the inits and the epochs so that the figure runs in about a minute on one core and shows the same result.
public enum Scale: String, Sendable, CaseIterable {
    case quick, full
}

/// What a figure's `cost` counts, in words for `figure list` and `--dry-run`.
public struct CostUnit: Sendable, Equatable {
    public var singular: String
    public var plural: String

    public init(_ singular: String, _ plural: String) {
        self.singular = singular
        self.plural = plural
    }

    public static let epochs = CostUnit("epoch", "epochs")
    public static let steps = CostUnit("step", "steps")
    public static let draws = CostUnit("draw", "draws")
}

/// A table a study writes: the data of one `.dat` file.
public struct Table: Sendable {
    public enum Layout: Sendable { case indexedSets, gridScanLines }

    /// Suffix of the file name (`""` for NAME.dat, `"_boundary"` for NAME_boundary.dat) and its label in summaries.
    public var suffix: String
    public var label: String
    public var columns: [String]
    public var sets: [(title: String, rows: [[Double]])]
    public var layout: Layout
    public var notes: [String]
    /// Header parameters of this table only (added after the run's).
    public var parameters: [(String, String)]

    public init(suffix: String, label: String, columns: [String], sets: [(title: String, rows: [[Double]])], layout: Layout = .indexedSets,
                notes: [String] = [], parameters: [(String, String)] = []) {
        self.suffix = suffix
        self.label = label
        self.columns = columns
        self.sets = sets
        self.layout = layout
        self.notes = notes
        self.parameters = parameters
    }
}

/// The figure of a study: a gnuplot script and its arguments, which name the study's tables by suffix.
public struct FigurePlan: Sendable {
    public enum Argument: Sendable {
        /// The path of the table with this suffix.
        case table(String)
        case text(String)
    }

    public var script: String
    public var arguments: [Argument]
    public var titles: [String]

    public init(script: String, arguments: [Argument], titles: [String] = []) {
        self.script = script
        self.arguments = arguments
        self.titles = titles
    }
}

/// A paper figure as a study: its grid of cells at each scale, the computation of one cell (from the cell's own
/// seed), the reduction of all records into tables, and the figure drawn from them.
public protocol FigureRecipe: Sendable {
    /// The name users type: `curldyn figure NAME`.
    var name: String { get }
    /// One line: what the figure shows.
    var summary: String { get }
    /// The study parameters of a scale that are not in the cells (sizes, epochs, inits), for headers.
    func parameters(_ scale: Scale) -> [(String, String)]
    func cells(_ scale: Scale) -> [Cell]
    /// The work of one cell in `costUnit`s, epochs of its network for most figures (for --dry-run's estimate).
    func cost(_ cell: Cell, scale: Scale) -> Double
    /// What `cost` counts; epochs unless the recipe says otherwise.
    var costUnit: CostUnit { get }
    /// Measured seconds per unit of `cost` of `cell` (a short run of it).
    func secondsPerEpoch(_ cell: Cell, scale: Scale) throws -> Double
    func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord
    func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table]
    /// Lines for the terminal summary.
    func summaryLines(_ tables: [Table], scale: Scale) -> [String]
    var figure: FigurePlan { get }
    /// True for a recipe whose cells are timings: the sweep runs its cells one at a time whatever `--threads`.
    var runsCellsOneAtATime: Bool { get }
}

/// Seconds per unit of work of `body`, which does `units` units (epochs, steps, draws): the timing behind
/// `secondsPerEpoch` and `--dry-run`.
func secondsPerUnit(_ units: Double, _ body: () throws -> Void) rethrows -> Double {
    let started = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 / units
}

/// A figure's results for `--json`.
public struct FigureResults: Encodable, Sendable {
    public let figure: String
    public let scale: String
    public let cells: Int
    public let summary: [String]
}

extension FigureRecipe {
    public var costUnit: CostUnit { .epochs }
    public var runsCellsOneAtATime: Bool { false }

    /// The figure's tables from its cells' records, its plan, summary and results.
    public func report(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> StudyReport {
        let tables = try tables(records, cells: cells, scale: scale)
        let lines = summaryLines(tables, scale: scale)
        return StudyReport(tables: tables, figure: figure, summary: lines,
                           results: FigureResults(figure: name, scale: scale.rawValue, cells: cells.count, summary: lines),
                           notes: [summary, "cell seeds derived from the seed and each cell's parameters"])
    }

    /// By default, one whole cell timed and divided by its cost; recipes whose cells are long time a short run instead.
    public func secondsPerEpoch(_ cell: Cell, scale: Scale) throws -> Double {
        try secondsPerUnit(cost(cell, scale: scale)) { _ = try compute(cell, seed: 1, scale: scale) }
    }
}

/// Every figure `curldyn figure` knows, in the order of `figure list`.
public enum FigureCatalog {
    public static let all: [any FigureRecipe] = [
        PhaseDiagrams(), HiddenFlipErrorMap.fig3a, HiddenFlipErrorMap.fig3aInset, QAgainstHiddenFlips(), ReadoutFlipMaps.fig4,
        LearningCurvesAtP260(),
    ] + EpochsToThresholdFigure.all.prefix(4).map { $0 as any FigureRecipe } + [
        HiddenFlipErrorMap.fig6a, HiddenFlipErrorMap.fig6b, Spectra(), ReadoutFlipMaps.fig8,
    ] + EpochsToThresholdFigure.all.dropFirst(4).map { $0 as any FigureRecipe } + [
        LOCOVariance(), LOCOLearningCurves(), LOCOFailure(), LOCODepthVariance(), LOCODepthLearning(), LOCODepthTime(),
    ] + [
        LyapunovAgainstFlips.hidden, LyapunovAgainstFlips.readout,
    ] + [
        MixedStabilityMap(), MixedErrorMap(),
    ] + soft

    private static let soft: [any FigureRecipe] = [SCMLearningCurves(), SCMPlateauEscape()]

    public static func named(_ name: String) -> (any FigureRecipe)? { all.first { $0.name == name } }
}
