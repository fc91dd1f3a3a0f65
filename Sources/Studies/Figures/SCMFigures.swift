import Foundation
import NumericalKit
import SoftCommitteeMachine

/// The soft-committee-machine setting both SCM figures share (Sources/SoftCommitteeMachine/DERIVATION.md): erf
/// units, M = 2 teacher units with readouts 1, the gradient-flow limit of the order-parameter ODEs (no eta^2 terms)
/// at eta = eta_v = 1 with trained readouts, integrated by GSL's rk8pd at tolerances 1e-10. The start is the measured
/// overlaps of explicit random networks (N = 10000 inputs, student weights N(0, 0.1^2), student readouts 1), the
/// same networks `curldyn scm curve` and `scm sweep` draw at their default seed 1.
///
/// The ODEs are deterministic, so the cells ignore the seed the sweep engine gives them: every cell draws its start
/// networks from the fixed start seed below, so all curves of a figure start from the same overlaps (R ~ 1e-3, a
/// small asymmetry that lets gradient descent leave the plateau) and differ only in the rule.
struct SCMFigureSetting {
    static let teachers = 2
    static let inputs = 10_000
    static let studentScale = 0.1
    static let startSeed: UInt64 = 1
    static let rates = SCMLearningRates(firstLayer: 1, online: false)

    static let parameters: [(String, String)] = [
        ("M", "\(teachers)"), ("eta", "1"), ("eta_v", "1"), ("protocol", "gradient flow"), ("readout", "trained"), ("activation", "erf"),
        ("N_start", "\(inputs)"), ("student_scale", "\(studentScale)"), ("readout_start", "1"), ("start_seed", "\(startSeed)"),
        ("ode", "rk8pd, tolerances 1e-10"), ("cell_seeds", "unused: the ODEs are deterministic and every cell starts from start_seed's networks"),
    ]

    /// The start networks and the flow of `students` units under a curl rule (GD when both flips are 0).
    static func flow(students: Int, inputFlipFraction alphaH: Double, flippedReadouts: Int) throws -> (flow: SCMFlow, start: SCMState) {
        let networks = try SCMNetworks.random(inputs: inputs, students: students, teachers: teachers, studentScale: studentScale,
                                              inputFlipFraction: alphaH, seed: startSeed)
        let rule = SCMRule.curl(inputFlipFraction: networks.inputFlipFraction, flippedReadouts: flippedReadouts, students: students)
        let flow = try SCMFlow(students: students, teacher: try networks.teacherOverlaps(), rule: rule, rates: rates)
        return (flow, networks.startState())
    }
}

/// Learning curves eps_g(alpha) of the exact order-parameter ODEs for K = M = 2: gradient descent, which sits on
/// Saad and Solla's symmetric plateau (eps_g = 0.0116108 in closed form, SCMSymmetricPlateau) before it learns
/// the teacher, curl descent with a fraction alpha_h of the inputs flipped, and with one or two readouts flipped.
/// The module's fixed-point analysis (`curldyn scm fixed-points`) finds the perfect solution unstable for any
/// alpha_h > 0 and for one flipped readout, so those curves do not reach eps_g -> 0.
///
/// Each cell is one rule (alpha_h, flipped_readouts) from the shared start (SCMFigureSetting).
public struct SCMLearningCurves: FigureRecipe {
    public init() {}

    public let name = "scm_curves"
    public let summary = "soft committee machine K = M = 2: exact eps_g(alpha) for GD (the plateau), input flips alpha_h and flipped readouts"

    static let students = 2
    /// (alpha_h, flipped readouts) of the curves, GD first; the same at both scales (an ODE curve costs well under a second).
    static let rules: [(alphaH: Double, flippedReadouts: Int)] = [(0, 0), (0.01, 0), (0.1, 0), (0, 1), (0, 2)]

    struct Settings {
        let time: Double, points: Int
    }

    func settings(_ scale: Scale) -> Settings {
        switch scale {
        case .full: Settings(time: 1000, points: 2001)
        case .quick: Settings(time: 600, points: 601)
        }
    }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        let s = settings(scale)
        return [("K", "\(Self.students)")] + SCMFigureSetting.parameters + [("time", "\(s.time)"), ("points", "\(s.points), linear")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        Self.rules.enumerated().map { Cell(index: $0.offset, parameters: [("alpha_h", $0.element.alphaH), ("flipped_readouts", Double($0.element.flippedReadouts))]) }
    }

    /// Time alpha of the curve.
    public var costUnit: CostUnit { CostUnit("unit of alpha (ODE time)", "units of alpha (ODE time)") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { settings(scale).time }

    /// Ignores `seed`: the ODE is deterministic and the start comes from SCMFigureSetting.startSeed.
    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let s = settings(scale)
        let (flow, start) = try SCMFigureSetting.flow(students: Self.students, inputFlipFraction: cell["alpha_h"],
                                                      flippedReadouts: cell.integer("flipped_readouts"))
        var options = SCMFlow.defaultSolveOptions
        // Linear output: two flipped readouts oscillate with period ~10 in alpha, which sparse late points alias.
        options.output = .linear(count: s.points)
        let curve = try flow.learningCurve(from: start, endTime: s.time, options: options)
        return CellRecord(key: cell.key, values: ["completed": curve.status.isSuccess ? 1 : 0, "final_eps_g": curve.finalError],
                          series: ["alpha": curve.times, "eps_g": curve.generalisationError])
    }

    static func title(alphaH: Double, flippedReadouts: Int) -> String {
        if alphaH == 0 && flippedReadouts == 0 { return "GD" }
        if flippedReadouts == 0 { return "curl, alpha_h = \(alphaH)" }
        return "curl, \(flippedReadouts) flipped readout\(flippedReadouts == 1 ? "" : "s")"
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let plateau = try SCMSymmetricPlateau(units: Self.students).generalisationError
        let sets = zip(cells, records).map { cell, record in
            let alpha = record.series["alpha"] ?? [], eps = record.series["eps_g"] ?? []
            return (title: Self.title(alphaH: cell["alpha_h"], flippedReadouts: cell.integer("flipped_readouts")),
                    rows: zip(alpha, eps).map { [$0, $1, .nan, .nan] })
        }
        let summaryRows = zip(cells, records).map { cell, record in
            let eps = record.series["eps_g"] ?? []
            return [cell["alpha_h"], cell["flipped_readouts"], Self.closestApproach(eps, to: plateau), eps.last ?? .nan, record.values["completed"] ?? .nan]
        }
        return [
            Table(suffix: "", label: "curves", columns: ["alpha", "eps_g_ode", "eps_g_sim_mean", "eps_g_sim_se"], sets: sets,
                  notes: ["the order-parameter ODE (gradient flow); no simulation here, so the sim columns are NaN (scm_curves.gp's layout)"]),
            Table(suffix: "_summary", label: "summary", columns: ["alpha_h", "flipped_readouts", "closest_to_plateau", "final_eps_g", "completed"],
                  sets: [(title: String(format: "plateau eps_g = %.7f (closed form, K = M = 2)", plateau), rows: summaryRows)],
                  notes: ["closest_to_plateau: the smallest |eps_g(alpha) - plateau| / plateau along the curve (0: passes through it)"]),
        ]
    }

    /// The smallest relative distance |eps - plateau| / plateau over the curve, counting crossings between output
    /// points (a curve that passes through the plateau height between two points has distance 0).
    static func closestApproach(_ eps: [Double], to plateau: Double) -> Double {
        let d = eps.map { ($0 - plateau) / plateau }
        guard !d.isEmpty else { return .nan }
        if zip(d, d.dropFirst()).contains(where: { $0 * $1 <= 0 }) { return 0 }
        return d.map(abs).min()!
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        [tables[1].sets[0].title] + zip(tables[0].sets, tables[1].sets[0].rows).map { set, row in
            String(format: "%@: eps_g(%g) = %.3g; closest relative distance to the plateau %.2g%@", set.title, set.rows.last?[0] ?? .nan, row[3], row[2],
                   row[4] == 1 ? "" : " (solver stopped early)")
        }
    }

    public var figure: FigurePlan {
        let titles = Self.rules.map { Self.title(alphaH: $0.alphaH, flippedReadouts: $0.flippedReadouts) }
        let plateau = (try? SCMSymmetricPlateau(units: Self.students).generalisationError) ?? .nan
        return FigurePlan(script: "scm_curves.gp", arguments: [.table(""), .text("K = M = 2, gradient flow, eta = 1, one start"), .text("\(plateau)")],
                          titles: titles)
    }
}

/// Plateau escape against the number of flipped readouts: for K = 2, 3, 4 students of the M = 2 teacher, the
/// first alpha at which eps_g falls to 1e-3 (SCMFlow.timeToReach, as `curldyn scm sweep`) and eps_g at the end,
/// for 0...K flipped readouts (the first units'). NaN escape: never within the time.
///
/// Each cell is one (K, flipped readouts) from the shared start (SCMFigureSetting) of K units.
public struct SCMPlateauEscape: FigureRecipe {
    public init() {}

    public let name = "scm_escape"
    public let summary = "soft committee machine, M = 2: plateau escape time (eps_g <= 1e-3) against the number of flipped readouts, K = 2, 3, 4"

    static let students = [2, 3, 4]
    static let threshold = 1e-3

    func time(_ scale: Scale) -> Double { scale == .full ? 3000 : 1000 }

    public func parameters(_ scale: Scale) -> [(String, String)] {
        [("K", Self.students.map(String.init).joined(separator: ","))] + SCMFigureSetting.parameters
            + [("alpha_h", "0"), ("threshold", "\(Self.threshold)"), ("time", "\(time(scale))")]
    }

    public func cells(_ scale: Scale) -> [Cell] {
        Self.students.flatMap { k in (0...k).map { [("K", Double(k)), ("flipped_readouts", Double($0))] } }
            .enumerated().map { Cell(index: $0.offset, parameters: $0.element) }
    }

    public var costUnit: CostUnit { CostUnit("unit of alpha (ODE time)", "units of alpha (ODE time)") }
    public func cost(_ cell: Cell, scale: Scale) -> Double { time(scale) }

    /// Ignores `seed`: the ODE is deterministic and the start comes from SCMFigureSetting.startSeed.
    public func compute(_ cell: Cell, seed: UInt64, scale: Scale) throws -> CellRecord {
        let (flow, start) = try SCMFigureSetting.flow(students: cell.integer("K"), inputFlipFraction: 0, flippedReadouts: cell.integer("flipped_readouts"))
        var options = SCMFlow.defaultSolveOptions
        options.output = .linear(count: 2)
        let curve = try flow.learningCurve(from: start, endTime: time(scale), options: options)
        let escape = try flow.timeToReach(error: Self.threshold, from: start, endTime: time(scale))
        return CellRecord(key: cell.key, values: ["escape_time": escape ?? .nan, "final_eps_g": curve.finalError,
                                                  "completed": curve.status.isSuccess ? 1 : 0])
    }

    public func tables(_ records: [CellRecord], cells: [Cell], scale: Scale) throws -> [Table] {
        let sets = Self.students.map { k in
            (title: "K = \(k)", rows: zip(cells, records).filter { $0.0.integer("K") == k }.map { cell, record in
                [cell["flipped_readouts"], record.values["escape_time"] ?? .nan, record.values["final_eps_g"] ?? .nan, record.values["completed"] ?? .nan]
            })
        }
        return [Table(suffix: "", label: "escape", columns: ["flipped_readouts", "escape_time", "final_eps_g", "completed"], sets: sets,
                      notes: ["escape_time: first alpha = steps / N with eps_g <= \(Self.threshold); NaN: not within alpha = \(time(scale))",
                              "final_eps_g: eps_g at alpha = \(time(scale))"])]
    }

    public func summaryLines(_ tables: [Table], scale: Scale) -> [String] {
        tables[0].sets.map { set in
            set.title + ": escape at alpha = " + set.rows.map { row in
                "\(Int(row[0])) flipped: " + (row[1].isNaN ? "never" : String(format: "%.4g", row[1]))
            }.joined(separator: ", ")
        }
    }

    public var figure: FigurePlan {
        FigurePlan(script: "scm_escape.gp", arguments: [.table(""), .text("M = 2, gradient flow, eta = 1, threshold 1e-3")],
                   titles: Self.students.map { "K = \($0)" })
    }
}
