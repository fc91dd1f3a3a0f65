import Foundation
import NumericalKit
import StudentTeacherCore

/// The (c, alpha) grid of a phase diagram: c log-spaced (the paper's axis), alpha evenly spaced in [0, 1].
public struct PhaseGrid: Sendable, Equatable {
    public let ratios: [Double]
    public let alphas: [Double]

    public init(cMin: Double, cMax: Double, cPoints: Int, alphaPoints: Int) throws {
        guard cMin > 0, cMax.isFinite, cMax >= cMin else {
            throw ParameterError("need 0 < c-min <= c-max, got [\(cMin), \(cMax)]")
        }
        guard cPoints >= 1, alphaPoints >= 2 else {
            throw ParameterError("the grid needs at least 1 value of c and 2 of alpha, got \(cPoints) x \(alphaPoints)")
        }
        let (a, b) = (log(cMin), log(cMax))
        var ratios = (0..<cPoints).map { cPoints == 1 ? cMin : exp(a + (b - a) * Double($0) / Double(cPoints - 1)) }
        ratios[0] = cMin  // exact ends, free of exp(log(.)) round-off
        if cPoints > 1 { ratios[cPoints - 1] = cMax }
        self.ratios = ratios
        alphas = (0..<alphaPoints).map { Double($0) / Double(alphaPoints - 1) }
    }

    /// The rows (values of c) of shard `index` of `count`: contiguous blocks, so merged shards keep gnuplot's grid order.
    public func rows(shard index: Int, of count: Int) throws -> Range<Int> {
        guard count >= 1, (0..<count).contains(index) else {
            throw ParameterError("shard \(index + 1)/\(count) does not exist")
        }
        return (ratios.count * index / count)..<(ratios.count * (index + 1) / count)
    }
}

/// The theoretical phase diagram: for each c the critical fraction alpha_c(c) from the closed forms, and a
/// grid point is unstable iff alpha > alpha_c(c) (the masks are monotone in alpha, curl-descent.md 4.5).
public struct TheoryPhaseDiagram: Sendable {
    public let layer: FlipLayer
    public let grid: PhaseGrid
    public let rows: Range<Int>
    /// alpha_c at each c of `rows`.
    public let boundary: [Double]

    public init(layer: FlipLayer, grid: PhaseGrid, rows: Range<Int>? = nil) throws {
        self.layer = layer
        self.grid = grid
        self.rows = rows ?? grid.ratios.indices
        boundary = try self.rows.map { try CriticalFraction.value(c: grid.ratios[$0], layer: layer) }
    }

    /// Whether (c_row, alpha) is unstable.
    public func isUnstable(row: Int, alphaIndex: Int) -> Bool { grid.alphas[alphaIndex] > boundary[row - rows.lowerBound] }
}

/// The phase diagram measured at finite size: at each (c, alpha), lambda_min(K) of `draws` sampled matrices
/// (`SampledStabilityMatrix`) with N = round(size / (1 + c)) and M = size - N, as the reference's grids keep
/// M + N fixed. Rows run in parallel; each (row, draw) has its own seeded stream, so the numbers do not
/// depend on the thread count.
public struct EmpiricalPhaseDiagram: Sendable {
    public struct Cell: Sendable {
        public let meanLambdaMin: Double
        /// Fraction of draws with lambda_min(K) < 0.
        public let unstableFraction: Double
    }

    public let layer: FlipLayer
    public let grid: PhaseGrid
    public let rows: Range<Int>
    public let size: Int
    public let draws: Int
    /// cells[r][a] for row rows.lowerBound + r.
    public let cells: [[Cell]]

    public init(layer: FlipLayer, grid: PhaseGrid, rows: Range<Int>? = nil, size: Int, draws: Int, seed: UInt64, threads: Int = 2,
                progress: (@Sendable (Int, Int) -> Void)? = nil) throws {
        guard size >= 2 else { throw ParameterError("the finite size M + N must be at least 2, got \(size)") }
        guard draws >= 1 else { throw ParameterError("need at least one draw, got \(draws)") }
        let rows = rows ?? grid.ratios.indices
        cells = try parallelMap(rows.count, threads: threads, progress: progress) { r in
            let c = grid.ratios[rows.lowerBound + r]
            let (inputs, hidden) = Self.shape(c: c, size: size)
            var sums = [Double](repeating: 0, count: grid.alphas.count)
            var unstable = [Int](repeating: 0, count: grid.alphas.count)
            for d in 0..<draws {
                let draw = UInt64(rows.lowerBound + r) &* UInt64(draws) &+ UInt64(d)
                let sample = try SampledStabilityMatrix(layer: layer, inputs: inputs, hidden: hidden, seed: seed, draw: draw)
                for (a, alpha) in grid.alphas.enumerated() {
                    let k = sample.flipCount(fraction: alpha)
                    let lambda = try sample.smallestEigenvalue(flipped: k)
                    sums[a] += lambda
                    if lambda < 0 { unstable[a] += 1 }
                }
            }
            return (0..<grid.alphas.count).map { Cell(meanLambdaMin: sums[$0] / Double(draws), unstableFraction: Double(unstable[$0]) / Double(draws)) }
        }
        self.layer = layer
        self.grid = grid
        self.rows = rows
        self.size = size
        self.draws = draws
    }

    /// The network of the finite-size diagram at ratio c: N = round(size / (1 + c)) hidden neurons (at least 1,
    /// at most size - 1) and M = size - N inputs.
    public static func shape(c: Double, size: Int) -> (inputs: Int, hidden: Int) {
        let hidden = max(1, min(size - 1, Int((Double(size) / (1 + c)).rounded())))
        return (size - hidden, hidden)
    }
}
