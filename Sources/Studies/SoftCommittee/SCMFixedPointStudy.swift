import NumericalKit
import SoftCommitteeMachine

/// `scm fixed-points`: for K = M units and an isotropic teacher, the Jacobian spectra of the gradient flow at the
/// symmetric plateau (readouts fixed at 1, Saad and Solla's closed form) and at the perfect solution, against the
/// input flip fraction alpha_h and the number of flipped readouts, and the critical curl strengths where the
/// perfect solution's leading eigenvalue crosses zero.
public struct SCMFixedPointStudy: Sendable {
    public var units: Int
    public var eta: Double
    /// The alpha_h at which the perfect solution's spectrum is reported.
    public var inputFlipFractions: [Double]

    public init(units: Int, eta: Double, inputFlipFractions: [Double]) {
        self.units = units
        self.eta = eta
        self.inputFlipFractions = inputFlipFractions
    }

    public struct Results: Encodable, Sendable {
        public let plateauEpsG: Double
        public let criticalAlphaH: Double?
        public let criticalFlippedReadouts: Int?
    }

    func flow(alphaH: Double = 0, flippedReadouts: Int = 0, trainsReadout: Bool = true) throws -> SCMFlow {
        try SCMFlow(students: units, teacher: .isotropic(units: units, inputFlipFraction: alphaH),
                    rule: .curl(inputFlipFraction: alphaH, flippedReadouts: flippedReadouts, students: units, trainsReadout: trainsReadout),
                    rates: SCMLearningRates(firstLayer: eta, online: false))
    }

    public func run() throws -> StudyReport {
        let format = { (e: [SCMEigenvalue]) in e.suffix(4).map { String(format: $0.imaginary == 0 ? "%.4g" : "%.4g%+.3gi", $0.real, $0.imaginary) }.joined(separator: ", ") }
        var lines: [String] = []
        let plateau = try SCMSymmetricPlateau(units: units)
        let fixed = try flow(trainsReadout: false)
        let residual = fixed.velocity(fixed.pack(plateau.state)).map { abs($0) }.max()!
        let plateauSpectrum = try fixed.jacobianEigenvalues(at: plateau.state)
        lines.append(String(format: "symmetric plateau (fixed readouts 1, closed form): Q = C = %.6f, R = %.6f, eps_g = %.8f; ODE eps_g there %.8f, |velocity| %.1e",
                            plateau.q, plateau.r, plateau.generalisationError, fixed.generalisationError(plateau.state), residual))
        lines.append("  largest plateau eigenvalues: " + format(plateauSpectrum) + "  (\(plateauSpectrum.filter { $0.real > 1e-6 }.count) unstable)")
        var alphaRows: [[Double]] = []
        for a in inputFlipFractions {
            for trains in [true, false] {
                let f = try flow(alphaH: a, trainsReadout: trains)
                let spectrum = try f.jacobianEigenvalues(at: try f.perfectSolution())
                if trains { alphaRows.append([a, spectrum.last!.real, spectrum.first!.real]) }
                lines.append("perfect solution, alpha_h = \(a), readout \(trains ? "trained" : "fixed"): largest eigenvalues " + format(spectrum))
            }
        }
        var readoutRows: [[Double]] = []
        for d in 0...units {
            let f = try flow(flippedReadouts: d)
            let spectrum = try f.jacobianEigenvalues(at: try f.perfectSolution())
            readoutRows.append([Double(d), spectrum.last!.real, spectrum.first!.real])
            lines.append("perfect solution, \(d) flipped readout\(d == 1 ? "" : "s"): largest eigenvalues " + format(spectrum))
        }
        let critical = try SCMCriticalCurl.inputFlipFraction(lower: 0, upper: 0.5, tolerance: 1e-6) { try flow(alphaH: $0) }
        let criticalReadouts = readoutRows.first { $0[1] > 0 }.map { Int($0[0]) }
        lines.append("critical alpha_h (perfect solution's leading eigenvalue crosses 0): "
                     + (critical.map { $0 < 1e-5 ? "0 (any alpha_h > 0; bisection stops at its tolerance 1e-6)" : String(format: "%.4g", $0) } ?? "none in [0, 0.5]")
                     + "; critical number of flipped readouts: " + (criticalReadouts.map(String.init) ?? "none"))
        return StudyReport(
            tables: [Table(suffix: "", label: "data", columns: ["alpha_h_or_flipped_readouts", "largest_real_eigenvalue", "smallest_real_eigenvalue"],
                           sets: [("input flips alpha_h (trained readouts)", alphaRows), ("flipped readouts", readoutRows)])],
            summary: lines,
            results: Results(plateauEpsG: plateau.generalisationError, criticalAlphaH: critical, criticalFlippedReadouts: criticalReadouts),
            notes: ["gradient-flow Jacobian by central differences; at the perfect solution the eta^2 terms have zero Jacobian"])
    }
}
