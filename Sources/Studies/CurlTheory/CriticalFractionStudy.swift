import CurlTheory
import NumericalKit

/// `critical`: the critical fraction of rule-flipped neurons against c = M/N, from the closed forms (or the mixed
/// boundary with the other layer's fraction fixed), and measured on sampled stability matrices at finite sizes.
public struct CriticalFractionStudy: Sendable {
    public var layer: FlipLayer
    /// The other layer's flipped fraction, fixed (mixed flips, theory only): inputs with `.readout`, hidden with `.hidden`.
    public var otherLayerFraction: Double?
    /// The c values this process computes (a shard's block, or all).
    public var ratios: [Double]
    public var sizes: [Int]
    public var draws: Int
    public var seed: UInt64
    public var threads: Int

    public init(layer: FlipLayer, otherLayerFraction: Double?, ratios: [Double], sizes: [Int], draws: Int, seed: UInt64, threads: Int) {
        self.layer = layer
        self.otherLayerFraction = otherLayerFraction
        self.ratios = ratios
        self.sizes = sizes
        self.draws = draws
        self.seed = seed
        self.threads = threads
    }

    /// The critical fraction at c: the pure closed form, or the mixed boundary with the other layer's fraction fixed.
    public func theory(c: Double) throws -> Double {
        guard let other = otherLayerFraction else { return try CriticalFraction.value(c: c, layer: layer) }
        return layer == .readout ? try MixedCriticalFraction.readout(alphaHidden: other, c: c) : try MixedCriticalFraction.hidden(alphaReadout: other, c: c)
    }

    /// "alpha_h^c" or, with the other layer flipped too, "alpha_r*(alpha_h = 0.1)".
    public var symbol: String {
        guard let other = otherLayerFraction else { return layer == .hidden ? "alpha_h^c" : "alpha_r^c" }
        return layer == .readout ? "alpha_r*(alpha_h = \(other))" : "alpha_h*(alpha_r = \(other))"
    }

    public struct Measured: Encodable, Sendable {
        public let hidden: Int
        public let inputs: Int
        public let mean: Double
        public let standardDeviation: Double
        public let standardError: Double
        public let draws: Int
    }

    public struct Row: Encodable, Sendable {
        public let c: Double
        public let theory: Double
        public let measured: [Measured]
    }

    public struct Results: Encodable, Sendable {
        public let rows: [Row]
    }

    /// Theory at every c, then the finite-size measurements over `threads` workers; `progress(done, total)`.
    /// `drawsFigure` is false for a shard (the merged file is drawn).
    public func run(drawsFigure: Bool = true, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> StudyReport {
        let theory = try ratios.map { try self.theory(c: $0) }
        let tasks = sizes.flatMap { n in ratios.map { (n, $0) } }
        let (flipLayer, drawCount, baseSeed) = (layer, draws, seed)
        let measured = try parallelMap(tasks.count, threads: threads, progress: progress) { i in
            let (n, c) = tasks[i]
            let e = try EmpiricalCriticalFraction(layer: flipLayer, c: c, hidden: n, draws: drawCount, seed: baseSeed)
            return Measured(hidden: n, inputs: e.inputs, mean: e.summary.mean, standardDeviation: e.summary.standardDeviation,
                            standardError: e.summary.standardError, draws: drawCount)
        }
        var sets: [(title: String, rows: [[Double]])] = [("theory \(symbol)", zip(ratios, theory).map { [$0, $1, 0, .nan] })]
        for (s, n) in sizes.enumerated() {
            let slice = measured[(s * ratios.count)..<((s + 1) * ratios.count)]
            sets.append(("measured at N = \(n), \(draws) draws", zip(ratios, slice).map { [$0, $1.mean, $1.standardDeviation, $1.standardError] }))
        }
        let rows = ratios.indices.map { i in Row(c: ratios[i], theory: theory[i], measured: sizes.indices.map { measured[$0 * ratios.count + i] }) }
        let lines = rows.map { row in
            var line = String(format: "c = %-10.4g %@ = %.5f", row.c, symbol, row.theory)
            for m in row.measured { line += String(format: "   N=%d: %.4f +- %.4f", m.hidden, m.mean, m.standardDeviation) }
            return line
        }
        return StudyReport(tables: [Table(suffix: "", label: "data", columns: ["c", "alpha_c", "sd", "se"], sets: sets)],
                           figure: drawsFigure ? FigurePlan(script: "critical.gp", arguments: [.table(""), .text(layer.rawValue)]) : nil,
                           summary: lines, results: Results(rows: rows),
                           notes: ["critical fraction of rule-flipped neurons (\(layer.rawValue) layer) against c = M/N"])
    }
}
