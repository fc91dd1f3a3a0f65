/// A figure whose cells each train for one number of epochs per scale (Figs. 3a, 3b, 4, 6, 8 and the mixed error
/// map): its cost is those epochs, a cell runs them, and `--dry-run` times a short run of `timingEpochs` of a cell.
public protocol EpochCountedRecipe: FigureRecipe {
    /// The epochs every cell trains at this scale.
    func epochs(_ scale: Scale) -> Int
    /// The epochs of the short run `--dry-run` times.
    var timingEpochs: Int { get }
    /// One cell's run, cut to `epochs`.
    func compute(_ cell: Cell, seed: UInt64, scale: Scale, epochs: Int) throws -> CellRecord
}

extension EpochCountedRecipe {
    public var timingEpochs: Int { 1200 }

    public func cost(_ cell: Cell, scale: Scale) -> Double { Double(epochs(scale)) }

    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        try compute(cell, seed: seed, scale: scale, epochs: epochs(scale))
    }

    public func secondsPerEpoch(_ cell: Cell, scale: Scale) throws -> Double {
        try secondsPerUnit(Double(timingEpochs)) { _ = try compute(cell, seed: 1, scale: scale, epochs: timingEpochs) }
    }
}
