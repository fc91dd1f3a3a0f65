import Foundation
import StudentTeacherCore
import Testing
@testable import CurlTheory

/// The mixed hidden + readout stability boundary (MixedFlipSpectrum, MixedCriticalFraction): its pure limits are the
/// closed forms of curl-descent.md 4.3-4.4, and mixed points agree with sampled stability matrices at N = 2000.
@Suite("mixed hidden + readout flips")
struct MixedFlipTests {
    @Test("with no readout flip, lambda_min is the hidden-flip spectrum's (atoms included)")
    func noReadoutFlipIsTheHiddenSpectrum() throws {
        for (c, alpha) in [(0.3, 0.0), (0.3, 0.2), (0.3, 0.5585), (0.5, 0.03), (0.5, 0.4), (0.2, 1.0), (1.2, 0.5), (2.0, 0.7), (0.62, 0.001)] {
            let mixed = try MixedFlipSpectrum(c: c, alphaHidden: alpha, alphaReadout: 0).smallestEigenvalue
            let hidden = try HiddenFlipSpectrum(c: c, alpha: alpha).smallestEigenvalue
            #expect(abs(mixed - hidden) <= 1e-9 * max(1, abs(hidden)), "c = \(c), alpha_h = \(alpha): \(mixed) vs \(hidden)")
        }
    }

    @Test("with no input flipped, lambda_min is 1 + the readout-flip spectrum's bottom")
    func noInputFlipIsTheReadoutSpectrum() throws {
        for (c, alpha) in [(0.3, 0.0), (0.3, 0.1395), (0.3, 0.5), (0.5, 0.05), (0.05, 0.3), (1.0, 0.2), (3.0, 0.1), (10, 0.5), (0.5, 1.0)] {
            let mixed = try MixedFlipSpectrum(c: c, alphaHidden: 0, alphaReadout: alpha).smallestEigenvalue
            let readout = try ReadoutFlipSpectrum(c: c, alpha: alpha).smallestEigenvalue
            #expect(abs(mixed - readout) <= 1e-9 * max(1, abs(readout)), "c = \(c), alpha_r = \(alpha): \(mixed) vs \(readout)")
        }
    }

    @Test("the critical-point polynomial is the numerator of dx/dv, and dx/dv is the derivative of x(v)")
    func criticalPointPolynomialIsTheSlopesNumerator() {
        let (c, h, r) = (0.4, 0.23, 0.17)
        for v in [-5.0, -2.2, -0.3, 1.4, 3.1] {
            let a = v * v - 3 * v + 2 * h, b = v * v - v - 2 * h
            let polynomial = MixedFlipSpectrum.criticalPointPolynomial(c: c, alphaHidden: h, alphaReadout: r)
            let value = polynomial.reversed().reduce(0) { $0 * v + $1 }
            let slope = MixedFlipSpectrum.subordinationSlope(v: v, c: c, alphaHidden: h, alphaReadout: r)
            #expect(abs(value / (a * a * b * b) - slope) <= 1e-12 * max(1, abs(slope)), "v = \(v)")
            // x(v) against the definition u + R_B(G_D(u)), u = v - 1, and its slope against a central difference.
            let u = v - 1, g = (u + 1 - 2 * h) / (u * u - 1)
            let direct = u + (1 - r) / c / (1 - g) - r / c / (1 + g)
            let map = MixedFlipSpectrum.subordinationMap(v: v, c: c, alphaHidden: h, alphaReadout: r)
            #expect(abs(map - direct) <= 1e-12 * max(1, abs(direct)), "v = \(v)")
            let step = 1e-5
            let numeric = (MixedFlipSpectrum.subordinationMap(v: v + step, c: c, alphaHidden: h, alphaReadout: r)
                - MixedFlipSpectrum.subordinationMap(v: v - step, c: c, alphaHidden: h, alphaReadout: r)) / (2 * step)
            #expect(abs(numeric - slope) <= 1e-6 * max(1, abs(slope)), "v = \(v): \(numeric) vs \(slope)")
        }
    }

    @Test("as alpha_h -> 0+ the boundary tends to the one-flipped-input outlier line (2 - 3c)/8 for 1/4 < c < 2/3, to alpha_r^c below")
    func vanishingInputFlipsGiveTheOutlierLine() throws {
        for c in [0.26, 0.3, 0.4, 0.5, 0.6] {
            let outlier = (2 - 3 * c) / 8
            #expect(outlier < (try CriticalFraction.readout(c: c)), "c = \(c)")
            let limit = try MixedCriticalFraction.readout(alphaHidden: 1e-12, c: c)
            #expect(abs(limit - outlier) <= 1e-5, "c = \(c): \(limit) vs \(outlier)")
        }
        for c in [0.05, 0.2] {  // no outlier leaves the bulk: no jump
            let limit = try MixedCriticalFraction.readout(alphaHidden: 1e-12, c: c)
            #expect(abs(limit - (try CriticalFraction.readout(c: c))) <= 1e-5, "c = \(c)")
        }
        #expect(abs((2 - 3 * 0.25) / 8 - (try CriticalFraction.readout(c: 0.25))) <= 1e-12)  // they meet at c = 1/4 (5/32)
    }

    @Test("the mixed boundary meets the pure closed forms on both axes to 1e-8")
    func boundaryEndsAreThePureCriticalFractions() throws {
        for c in [0.05, 0.1, 0.25, 0.3, 0.5, 1, 2, 10] {
            let mixed = try MixedCriticalFraction.readout(alphaHidden: 0, c: c)
            #expect(abs(mixed - (try CriticalFraction.readout(c: c))) <= 1e-8, "c = \(c)")
        }
        for c in [0.2, 0.26, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7, 1] {
            let mixed = try MixedCriticalFraction.hidden(alphaReadout: 0, c: c)
            #expect(abs(mixed - (try CriticalFraction.hidden(c: c))) <= 1e-8, "c = \(c)")
        }
        let curve = try MixedCriticalFraction.boundary(c: 0.3, points: 9)
        let (pureReadout, pureHidden) = (try CriticalFraction.readout(c: 0.3), try CriticalFraction.hidden(c: 0.3))
        #expect(curve.first!.alphaHidden == 0 && abs(curve.first!.alphaReadout - pureReadout) <= 1e-8)
        #expect(curve.last!.alphaReadout == 0 && abs(curve.last!.alphaHidden - pureHidden) <= 1e-8)
    }

    @Test("the boundary falls monotonically, and lambda_min is 0 on it")
    func boundaryIsMonotoneAndMarginal() throws {
        for c in [0.3, 0.5] {
            let curve = try MixedCriticalFraction.boundary(c: c, points: 41)
            for (p, q) in zip(curve, curve.dropFirst()) { #expect(q.alphaHidden >= p.alphaHidden && q.alphaReadout <= p.alphaReadout) }
            for p in curve.dropFirst().dropLast() {
                let lambda = try MixedFlipSpectrum(c: c, alphaHidden: p.alphaHidden, alphaReadout: p.alphaReadout).smallestEigenvalue
                #expect(abs(lambda) <= 1e-8, "c = \(c) at \(p): lambda_min = \(lambda)")
            }
        }
        // Values quoted on notebooks-md/31-mixed-flips.md: a few per cent of flipped inputs sharply lower alpha_r*.
        #expect(abs((try MixedCriticalFraction.readout(alphaHidden: 0.1, c: 0.3)) - 0.0668) < 1e-4)
        #expect(abs((try MixedCriticalFraction.readout(alphaHidden: 0.01, c: 0.5)) - 0.0296) < 1e-4)
        #expect(try MixedCriticalFraction.readout(alphaHidden: 0.05, c: 0.5) == 0)  // alpha_h^c(0.5) = 0.0467
    }

    /// Sampled at N = 2000 (M = 600 at c = 0.3, 1000 at c = 0.5), the mean of 4 draws of lambda_min(K) lies within 0.06 of
    /// the limit: per-draw spread about 0.04 and an edge bias of at most 0.05 towards the bulk at this size (measured with
    /// numpy at the same points). Theory values are O(0.1-0.3), and lambda_min moves by about 0.3 when alpha_r moves
    /// by 0.03 here, so a wrong boundary fails.
    @Test("sampled K at N = 2000 agrees with the limit within 0.06, and its sign flips across the boundary")
    func sampledMatricesMatchTheLimit() throws {
        let points: [(c: Double, h: Double, r: Double)] = [(0.3, 0.1, 0.1), (0.3, 0.2, 0.0104), (0.3, 0.2, 0.0704), (0.5, 0.01, 0.0096), (0.5, 0.03, 0.03)]
        let n = 2000
        for (index, p) in points.enumerated() {
            let theory = try MixedFlipSpectrum(c: p.c, alphaHidden: p.h, alphaReadout: p.r).smallestEigenvalue
            let m = Int((p.c * Double(n)).rounded())
            var sum = 0.0
            for draw in 0..<4 {
                let sample = try SampledStabilityMatrix(layer: .hidden, inputs: m, hidden: n, seed: 31, draw: UInt64(4 * index + draw))
                sum += try sample.smallestEigenvalue(flippedInputs: SampledStabilityMatrix.flipCount(fraction: p.h, of: m),
                                                     flippedHidden: SampledStabilityMatrix.flipCount(fraction: p.r, of: n))
            }
            #expect(abs(sum / 4 - theory) <= 0.06, "\(p): sampled mean \(sum / 4), theory \(theory)")
        }
        // 0.03 on either side of alpha_r*(0.2; 0.3) = 0.0404: stable below, unstable above, draw by draw.
        let edge = try MixedCriticalFraction.readout(alphaHidden: 0.2, c: 0.3)
        for draw in 0..<3 {
            let sample = try SampledStabilityMatrix(layer: .hidden, inputs: 600, hidden: n, seed: 32, draw: UInt64(draw))
            let below = try sample.smallestEigenvalue(flippedInputs: 120, flippedHidden: SampledStabilityMatrix.flipCount(fraction: edge - 0.03, of: n))
            let above = try sample.smallestEigenvalue(flippedInputs: 120, flippedHidden: SampledStabilityMatrix.flipCount(fraction: edge + 0.03, of: n))
            #expect(below > 0 && above < 0, "draw \(draw): \(below), \(above)")
        }
    }

    @Test("the mixed matrix with one layer unflipped is the single-layer matrix")
    func mixedMatrixReducesToTheSingleLayerOnes() throws {
        let hidden = try SampledStabilityMatrix(layer: .hidden, inputs: 7, hidden: 11, seed: 3)
        let readout = try SampledStabilityMatrix(layer: .readout, inputs: 7, hidden: 11, seed: 3)
        #expect(try hidden.stabilityMatrix(flippedInputs: 3, flippedHidden: 0).elements == hidden.stabilityMatrix(flipped: 3).elements)
        #expect(try readout.stabilityMatrix(flippedInputs: 0, flippedHidden: 4).elements == readout.stabilityMatrix(flipped: 4).elements)
        // Both at once: D1 + W^T D2 W entry by entry.
        let K = try hidden.stabilityMatrix(flippedInputs: 2, flippedHidden: 5)
        for i in 0..<7 {
            for j in 0..<7 {
                var expected = i == j ? (i < 2 ? -1.0 : 1.0) : 0
                for k in 0..<11 { expected += (k < 5 ? -1 : 1) * hidden.w1[k, i] * hidden.w1[k, j] }
                #expect(abs(K[i, j] - expected) <= 1e-13)
            }
        }
        #expect(throws: ParameterError.self) { try hidden.stabilityMatrix(flippedInputs: 8, flippedHidden: 0) }
        #expect(throws: ParameterError.self) { try MixedFlipSpectrum(c: 0.3, alphaHidden: 0.2, alphaReadout: 1.5) }
    }
}
