import ArgumentParser
import CurlTheory
import Foundation
import GnuplotIO
import NumericalKit
import StudentTeacherCore
import Studies

extension FlipLayer: ExpressibleByArgument {}

/// `--shard k/n` on the command line: the sweep engine's shard, parsed by it.
extension Studies.Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `curldyn critical`: the critical curl strength, from theory and measured at finite size.
struct Critical: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Critical fraction of rule-flipped neurons: closed-form theory and finite-size measurement.",
        discussion: """
        Theory: alpha_h^c(c) for hidden-layer flips (1 for c <= 1/4, 0 for c >= 2/3) and alpha_r^c(c) for readout \
        flips, from the closed-form boundaries (curl-descent.md section 4). With --sizes, the critical fraction is \
        also measured on sampled stability matrices K at N hidden neurons (M = round(c N)): the first flip count \
        where lambda_min(K) < 0, found by bisection, with its spread over --draws. Writes OUT/NAME.dat (index 0: \
        theory; index i: size i). --shard k/n computes only the k-th of n contiguous blocks of c values into \
        OUT/NAME.shard-k-of-n.dat (each (c, N) has its own seed, so shards do not change the numbers); \
        `curldyn merge` joins them into the unsharded file.
        Mixed flips (theory only): --layer readout --alpha-h A gives alpha_r*(A; c), the critical readout fraction \
        with a fraction A of the inputs flipped too; --layer hidden --alpha-r A gives alpha_h*(A; c). The boundary \
        comes from the free additive convolution of D1 with W1^T D2 W1 (MixedFlipSpectrum).
        """)

    @Option(help: "Which layer's neurons are flipped: hidden or readout.") var layer: FlipLayer = .hidden
    @Option(name: .customLong("alpha-h"), help: "With --layer readout: flip this fraction of the inputs too (mixed flips, theory only).")
    var alphaHidden: Double?
    @Option(name: .customLong("alpha-r"), help: "With --layer hidden: flip this fraction of the hidden neurons too (mixed flips, theory only).")
    var alphaReadout: Double?
    @Option(parsing: .upToNextOption, help: "Ratios c = M/N (default: --points log-spaced values in [--c-min, --c-max]).") var c: [Double] = []
    @Option(parsing: .unconditional, help: "Smallest c of the default sweep.") var cMin = 1e-2
    @Option(parsing: .unconditional, help: "Largest c of the default sweep.") var cMax = 1e2
    @Option(parsing: .unconditional, help: "Number of c values of the default sweep.") var points = 41
    @Option(parsing: .upToNextOption, help: "Hidden widths N for the finite-size measurement (none: theory only).") var sizes: [Int] = []
    @Option(parsing: .unconditional, help: "Sampled matrices per (c, N).") var draws = 5
    @Option(parsing: .unconditional, help: "Seed of the sampled matrices.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Worker threads for the finite-size measurement.") var threads = ProcessorBudget.available
    @Option(help: "Compute only shard k of n (a contiguous block of the c values), e.g. 3/8 for a SLURM array task.") var shard: Studies.Shard?
    @Option(help: "Base name of the output files.") var name = "critical"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        if let shard, let count = try? ratios.count, shard.count > count {
            throw ValidationError("--shard \(shard) splits fewer values of c than shards; use at most \(count) shards")
        }
        try requireMemory(numbers: memoryNumbers, for: "curldyn critical with these sizes")
        guard draws >= 1, threads >= 1 else { throw ValidationError("--draws and --threads must be positive") }
        guard sizes.allSatisfy({ $0 >= 1 }) else { throw ValidationError("--sizes must be positive") }
        if alphaHidden != nil && layer != .readout {
            throw ValidationError("--alpha-h fixes the flipped inputs while the critical readout fraction is computed: use it with --layer readout")
        }
        if alphaReadout != nil && layer != .hidden {
            throw ValidationError("--alpha-r fixes the flipped hidden neurons while the critical input fraction is computed: use it with --layer hidden")
        }
        for (flag, value) in [("--alpha-h", alphaHidden), ("--alpha-r", alphaReadout)] {
            if let value, !(value.isFinite && (0...1).contains(value)) { throw ValidationError("\(flag) must be a fraction in [0, 1], got \(value)") }
        }
        if (alphaHidden != nil || alphaReadout != nil) && !sizes.isEmpty {
            throw ValidationError("mixed flips (--alpha-h, --alpha-r) have theory only: drop --sizes (curldyn figure mixed_stability samples them)")
        }
        try rethrowingAsValidation { let values = try ratios; for value in values { _ = try study(values).theory(c: value) } }
        for n in sizes {
            for value in try ratios where !(value * Double(n) <= Double(Int32.max)) {
                throw ValidationError("c = \(value) at N = \(n) gives M = round(c N) = \(value * Double(n)) inputs, more than \(Int32.max)")
            }
            for value in try ratios where Int((value * Double(n)).rounded()) < 1 {
                throw ValidationError("c = \(value) at N = \(n) leaves M = round(c N) = 0 inputs; use a larger N")
            }
        }
    }

    /// The study of the c values `values` (all of them, or a shard's block).
    func study(_ values: [Double]) -> CriticalFractionStudy {
        CriticalFractionStudy(layer: layer, otherLayerFraction: alphaHidden ?? alphaReadout, ratios: values, sizes: sizes, draws: draws, seed: seed, threads: threads)
    }

    var ratios: [Double] {
        get throws { c.isEmpty ? try PhaseGrid(cMin: cMin, cMax: cMax, cPoints: points, alphaPoints: 2).ratios : c }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let all = try ratios
        let progress = ProgressLine()
        let report = try study(Array(all[shard?.block(of: all.count) ?? all.indices])).run(drawsFigure: shard == nil) { done, total in
            progress.update("critical: \(done)/\(total)")
        }
        progress.finish()
        try output.deliver(report, command: "critical", baseName: name + (shard?.suffix ?? ""),
                           parameters: [("layer", layer.rawValue), ("points", "\(all.count)"), ("sizes", sizes.isEmpty ? "none" : sizes.map(String.init).joined(separator: ",")),
                                        ("draws", "\(draws)"), ("shard", shard?.description ?? "all"),
                                        ("alpha_h", alphaHidden.map { "\($0)" } ?? "none"), ("alpha_r", alphaReadout.map { "\($0)" } ?? "none")],
                           seed: seed)
    }
}

/// `curldyn spectrum`: the limiting spectral density of the stability matrix and a finite-size histogram.
struct Spectrum: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Limiting spectrum of the stability matrix (edges, density) and an empirical eigenvalue histogram.",
        discussion: """
        Hidden flips: the spectrum of X = D + W W^T (= K with |w2|^2 = 1). Readout flips: that of \
        W+^T W+ - W-^T W- (= K - s^2 I). Writes OUT/NAME.dat: index 0 the density curve (x, rho), index 1 the \
        edges, index 2 (with --sample-hidden N) a normalised histogram of the eigenvalues of one or more sampled \
        matrices of that size.
        """)

    @Option(help: "Which layer's neurons are flipped: hidden or readout.") var layer: FlipLayer = .hidden
    @Option(parsing: .unconditional, help: "Ratio c = M/N.") var c: Double
    @Option(parsing: .unconditional, help: "Fraction of flipped neurons.") var alpha: Double
    @Option(parsing: .unconditional, help: "Density curve points.") var points = 800
    @Option(parsing: .unconditional, help: "Hidden width N of the sampled matrices (none: theory only).") var sampleHidden: Int?
    @Option(parsing: .unconditional, help: "Sampled matrices for the histogram.") var draws = 1
    @Option(parsing: .unconditional, help: "Histogram bins.") var bins = 100
    @Option(parsing: .unconditional, help: "Seed of the sampled matrices.") var seed: UInt64 = 1
    @Option(help: "Base name of the output files.") var name = "spectrum"
    @OptionGroup(title: "Output") var output: OutputOptions

    func validate() throws {
        guard !name.isEmpty, !name.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn spectrum with these sizes")
        guard points >= 10, bins >= 1, draws >= 1 else { throw ValidationError("--points >= 10, --bins and --draws >= 1") }
        if let n = sampleHidden, n < 1 { throw ValidationError("--sample-hidden must be positive") }
        try rethrowingAsValidation { _ = try layer.spectrum(c: c, alpha: alpha) }
        if let n = sampleHidden, !(c * Double(n) <= Double(Int32.max)) {
            throw ValidationError("--c \(c) at --sample-hidden \(n) gives M = round(c N) = \(c * Double(n)) inputs, more than \(Int32.max)")
        }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let study = SpectrumStudy(layer: layer, c: c, alpha: alpha, points: points, sampleHidden: sampleHidden, draws: draws, bins: bins, seed: seed)
        try output.deliver(try study.run(), command: "spectrum", baseName: name,
                           parameters: [("layer", layer.rawValue), ("c", "\(c)"), ("alpha", "\(alpha)"), ("sample_hidden", sampleHidden.map(String.init) ?? "none"),
                                        ("draws", "\(draws)"), ("bins", "\(bins)")],
                           seed: seed)
    }
}

/// `curldyn phase-diagram`: stable and unstable regions over (c, alpha), from theory and at finite size.
struct PhaseDiagramCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phase-diagram",
        abstract: "Phase diagram of the solution manifold's stability over c = M/N (log) and the flipped fraction alpha.",
        discussion: """
        Writes OUT/NAME.dat (gnuplot grid blocks for pm3d: c alpha unstable, one block per c), OUT/NAME_boundary.dat \
        (c, alpha_c) and OUT/NAME.png. --empirical SIZE also measures the diagram at finite size (M + N = SIZE, \
        --draws sampled matrices per cell: c alpha mean_lambda_min unstable_fraction in OUT/NAME_empirical.dat, \
        overlaid as contours). --shard k/n computes only the k-th of n blocks of c values and names the files \
        NAME.shard-k-of-n*.dat; `curldyn merge` joins them.
        """)

    @Option(help: "Which layer's neurons are flipped: hidden or readout.") var layer: FlipLayer = .hidden
    @Option(parsing: .unconditional, help: "Smallest c.") var cMin = 1e-3
    @Option(parsing: .unconditional, help: "Largest c.") var cMax = 1e2
    @Option(parsing: .unconditional, help: "Values of c (log-spaced).") var cPoints = 500
    @Option(parsing: .unconditional, help: "Values of alpha in [0, 1].") var alphaPoints = 500
    @Option(parsing: .unconditional, help: "Also measure the diagram on sampled matrices with M + N = SIZE.") var empirical: Int?
    @Option(parsing: .unconditional, help: "Values of c of the finite-size diagram.") var empiricalCPoints = 30
    @Option(parsing: .unconditional, help: "Values of alpha of the finite-size diagram.") var empiricalAlphaPoints = 21
    @Option(parsing: .unconditional, help: "Sampled matrices per cell of the finite-size diagram.") var draws = 5
    @Option(parsing: .unconditional, help: "Seed of the sampled matrices.") var seed: UInt64 = 1
    @Option(parsing: .unconditional, help: "Worker threads for the finite-size diagram.") var threads = ProcessorBudget.available
    @Option(help: "Compute only shard k of n (1-based), e.g. 3/8 for a SLURM array task.") var shard: Studies.Shard?
    @Option(help: "Base name of the output files.") var name: String?
    @OptionGroup(title: "Output") var output: OutputOptions

    var baseName: String { name ?? "phase_\(layer.rawValue)" }

    func validate() throws {
        guard !baseName.isEmpty, !baseName.contains("/") else { throw ValidationError("--name must be a plain file name") }
        try requireMemory(numbers: memoryNumbers, for: "curldyn phase-diagram with these sizes")
        guard threads >= 1, draws >= 1 else { throw ValidationError("--threads and --draws must be positive") }
        if let e = empirical, e < 2 { throw ValidationError("--empirical SIZE must be at least 2") }
        try rethrowingAsValidation {
            let grid = try PhaseGrid(cMin: cMin, cMax: cMax, cPoints: cPoints, alphaPoints: alphaPoints)
            if empirical != nil { _ = try PhaseGrid(cMin: cMin, cMax: cMax, cPoints: empiricalCPoints, alphaPoints: empiricalAlphaPoints) }
            if let shard {
                guard shard.count <= min(cPoints, empirical == nil ? cPoints : empiricalCPoints) else {
                    throw ParameterError("--shard \(shard) splits fewer values of c than shards; use at most \(min(cPoints, empirical == nil ? cPoints : empiricalCPoints)) shards")
                }
                _ = try grid.rows(shard: shard.index, of: shard.count)
            }
        }
    }

    func run() throws {
        BLASThreads.pinToOne()
        let empiricalGrid = try empirical.map { size in
            (grid: try PhaseGrid(cMin: cMin, cMax: cMax, cPoints: empiricalCPoints, alphaPoints: empiricalAlphaPoints), size: size, draws: draws)
        }
        let study = PhaseDiagramStudy(layer: layer, grid: try PhaseGrid(cMin: cMin, cMax: cMax, cPoints: cPoints, alphaPoints: alphaPoints),
                                      empirical: empiricalGrid, shard: shard, seed: seed, threads: threads)
        let progress = ProgressLine()
        let report = try study.run { done, total in progress.update("phase-diagram (finite size): \(done)/\(total) values of c") }
        progress.finish()
        try output.deliver(report, command: "phase-diagram", baseName: baseName + (shard?.suffix ?? ""),
                           parameters: [("layer", layer.rawValue), ("c_min", "\(cMin)"), ("c_max", "\(cMax)"), ("c_points", "\(cPoints)"),
                                        ("alpha_points", "\(alphaPoints)"), ("shard", shard?.description ?? "all")],
                           seed: seed)
    }
}

/// `curldyn merge`: joins the shards of a sweep into one file.
struct Merge: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Join the shard files of a sharded sweep (--shard k/n) into one data file.",
        discussion: """
        Trusts nothing: each file's header must name the shard its file name says (parameters shard=k/n), all \
        shards 1..n of one sweep must be there once, their headers must agree apart from the command line and \
        the shard, and each file must hold exactly the rows its header declares (a truncated or empty file is \
        refused). Blocks are joined with the separator of the file's layout (one blank line between the scan \
        lines of a grid, two between data sets), so the merged file reads like the unsharded one; OUTPUT gets \
        the first shard's header with shard=merged.
        """)

    @Argument(help: "Shard files (NAME.shard-k-of-n*.dat).") var files: [String]
    @Option(help: "The merged file.") var output: String

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("give the shard files to merge") }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ValidationError("--output \(output) is a directory; give the merged file's path")
        }
        do { _ = try OutputDirectory(checking: URL(fileURLWithPath: output).deletingLastPathComponent().path) } catch {
            throw ValidationError("--output: \(error)")
        }
    }

    /// One shard file, checked against its own header.
    struct Part {
        let path: String
        let index: Int
        let count: Int
        let header: [String]
        let layout: String
        /// The data sets: each a title line and its lines (data lines, in order).
        let sets: [(title: String, lines: [String])]
        var rows: Int { sets.reduce(0) { $0 + $1.lines.count } }

        init(path: String) throws {
            self.path = path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("cannot read \(path)") }
            guard let match = path.range(of: #"\.shard-(\d+)-of-(\d+)"#, options: .regularExpression) else {
                throw CommandFailure("\(path) is not a shard file (its name has no .shard-k-of-n)")
            }
            let numbers = path[match].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
            guard numbers.count == 2, numbers[1] >= 1, (1...numbers[1]).contains(numbers[0]) else {
                throw ValidationError("\(path): the shard \(path[match].dropFirst()) is not k-of-n with whole numbers 1 <= k <= n")
            }
            (index, count) = (numbers[0], numbers[1])
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let head = Array(lines.prefix { $0.hasPrefix("#") && !$0.hasPrefix("# index") })
            header = head
            let value = { (key: String) in head.first { $0.hasPrefix("# \(key): ") }.map { String($0.dropFirst(key.count + 4)) } }
            guard let parameters = value("parameters"), let declaredLayout = value("layout"), let declared = value("rows") else {
                throw CommandFailure("\(path) has no curldyn header (parameters, layout and rows); is it empty or not a shard?")
            }
            guard parameters.split(separator: " ").contains(Substring("shard=\(index)/\(count)")) else {
                throw CommandFailure("\(path) is named shard \(index) of \(count) but its header says otherwise (\(parameters.split(separator: " ").first { $0.hasPrefix("shard=") } ?? "no shard"))")
            }
            layout = declaredLayout
            var found: [(title: String, lines: [String])] = []
            for line in lines.dropFirst(head.count) {
                if line.hasPrefix("# index ") {
                    found.append((String(line.drop { $0 != ":" }.dropFirst(2)), []))
                } else if !line.isEmpty, !line.hasPrefix("#") {
                    guard !found.isEmpty else { throw CommandFailure("\(path): data before the first '# index' line") }
                    found[found.count - 1].lines.append(line)
                }
            }
            sets = found
            guard let expected = declared.split(separator: " ").first.flatMap({ Int($0) }), expected == rows, text.hasSuffix("\n") else {
                throw CommandFailure("\(path) is incomplete: its header declares \(declared) but it holds \(rows) rows\(text.hasSuffix("\n") ? "" : " and no final newline")")
            }
        }
    }

    func run() throws {
        let parts = try files.map(Part.init).sorted { $0.index < $1.index }
        let count = parts[0].count
        guard parts.allSatisfy({ $0.count == count }), parts.map(\.index) == Array(1...count) else {
            throw CommandFailure("need exactly the shards 1..\(count) of one sweep, once each; got \(parts.map { "\($0.index)/\($0.count)" }.joined(separator: ", "))")
        }
        // Shards may run on different machines, hence BLAS kernels (last bits differ): the same sweep all the same.
        let comparable = { (h: [String]) in
            h.filter { !$0.hasPrefix("# command:") && !$0.hasPrefix("# rows:") && !$0.hasPrefix("# blas:") }.map { $0.replacingOccurrences(of: #"shard=\S+"#, with: "", options: .regularExpression) }
        }
        guard parts.allSatisfy({ comparable($0.header) == comparable(parts[0].header) }) else {
            throw CommandFailure("the shards come from different sweeps (their headers differ)")
        }
        // The sets of an indexed file whose shards hold the same sets (same count, same titles) are tables cut in
        // pieces: set i is joined back from every shard's set i. Grid scan lines are concatenated.
        let grid = parts[0].layout == DataFile.gridScanLinesLayout
        var sets = parts.flatMap(\.sets)
        if !grid, parts.allSatisfy({ $0.sets.map(\.title) == parts[0].sets.map(\.title) }) {
            sets = parts[0].sets.indices.map { i in (parts[0].sets[i].title, parts.flatMap { $0.sets[i].lines }) }
        }
        var text = parts[0].header.map { line in
            line.hasPrefix("# rows:") ? "# rows: \(sets.reduce(0) { $0 + $1.lines.count }) in \(sets.count) sets"
                : line.replacingOccurrences(of: #"shard=\S+"#, with: "shard=merged", options: .regularExpression)
        }.joined(separator: "\n")
        let kernels = parts.map { $0.header.first { $0.hasPrefix("# blas: ") } ?? "# blas: unknown" }
        if Set(kernels).count > 1 {
            text += "\n# blas differs between shards: " + kernels.enumerated().map { "shard \($0.offset + 1): \($0.element.dropFirst(8))" }.joined(separator: "; ")
        }
        text += "\n# merged from \(count) shards by: \(Provenance.escaped(commandLineString))\n"
        text += sets.enumerated().map { k, set in "# index \(k): \(set.title)\n" + set.lines.map { $0 + "\n" }.joined() }
            .joined(separator: grid ? "\n" : "\n\n")
        let target = URL(fileURLWithPath: output)
        try OutputDirectory(checking: target.deletingLastPathComponent().path).commit([(target.lastPathComponent, Data(text.utf8))])
        print("merged \(count) shards (\(sets.reduce(0) { $0 + $1.lines.count }) rows) into \(output)")
    }
}
