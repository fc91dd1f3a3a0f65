import ComplexModule
import NumericalKit
import Testing
import LearningDynamics

// curl-descent.md section 3: on the manifold the non-zero Jacobian eigenvalues are -sigma_x^2 eig(K);
// at the origin they come in pairs +-sigma_x^2 sqrt(d2_i w* D1 w*^T) (verified there on N = 5, M = 4).

@Test func randomManifoldPointsSolveTheTask() throws {
    let shape = try NetworkShape(inputs: 6, hidden: 9)
    let target = RandomStream(seed: 3).gaussians(6)
    for seed in UInt64(1)...5 {
        let point = Stability.randomManifoldPoint(target: target, shape: shape, initialization: .normal(scale: 1), seed: seed)
        #expect(Vector.maxAbsDifference(point.endToEnd, target) < 1e-13)
    }
    let a = Stability.randomManifoldPoint(target: target, shape: shape, initialization: .normal(scale: 1), seed: 1)
    let b = Stability.randomManifoldPoint(target: target, shape: shape, initialization: .normal(scale: 1), seed: 2)
    #expect(a != b)
}

@Test(arguments: [false, true])
func fullAndReducedSpectraAgreeAtRandomManifoldPoints(anisotropic: Bool) throws {
    let shape = try NetworkShape(inputs: 5, hidden: 8)
    let target = RandomStream(seed: 5).gaussians(5, sigma: 0.5)
    var sigma: Matrix? = nil
    if anisotropic {
        let a = Matrix(rows: 5, columns: 5, elements: RandomStream(seed: 6).gaussians(25))
        sigma = a * a.transposed
        for i in 0..<5 { sigma![i, i] += 0.5 }
    }
    let flow = try LinearFlow(shape: shape, target: target, signs: SignMatrices(d1: [-1, -1, 1, 1, 1], d2: [-1, 1, -1, 1, 1, 1, 1, 1]),
                              inputCovariance: sigma)
    let point = Stability.randomManifoldPoint(target: target, shape: shape, initialization: .normal(scale: 1), seed: 9)
    let report = try Stability.analyse(flow, at: point, fullJacobian: true)
    #expect(report.errorNorm < 1e-13)
    let full = try #require(report.jacobianEigenvalues)
    // NM + N - M eigenvalues vanish (the manifold's tangent space); the other M are the predicted ones.
    let nonzero = full.filter { $0.length > 1e-8 }
    #expect(nonzero.count == shape.inputs)
    #expect(nonzero.allSatisfy { abs($0.imaginary) < 1e-8 })
    let predicted = try #require(report.predictedJacobianEigenvalues)
    #expect(Vector.maxAbsDifference(nonzero.map(\.real).sorted(), predicted) < 1e-8)
    // Stable iff every transverse eigenvalue is negative iff lambda_min(K) > 0 (Sylvester's law of inertia for Sigma K).
    #expect((report.verdict == .stable) == (predicted.max()! < 0))
    #expect(try Stability.analyse(flow, at: point, spectrum: false, fullJacobian: false).verdict == report.verdict)
}

@Test(arguments: [
    ([1.0, 1, 1, 1], [1.0, 1, 1, 1, 1], "saddle"),
    ([-1.0, -1, -1, -1], [1.0, 1, 1, 1, 1], "center"),
    ([1.0, 1, 1, 1], [-1.0, -1, -1, -1, -1], "center"),
    ([1.0, 1, 1, 1], [-1.0, -1, 1, 1, 1], "mixed (saddle and rotation)"),
])
func originSpectrumMatchesTheJacobianAtZero(d1: [Double], d2: [Double], kind: String) throws {
    let shape = try NetworkShape(inputs: 4, hidden: 5)
    let target = [0.7, -0.4, 0.9, 0.3]
    let flow = try LinearFlow(shape: shape, target: target, signs: SignMatrices(d1: d1, d2: d2))
    let predicted = Stability.originSpectrum(flow)
    let numeric = try Eigen.eigenvalues(flow.jacobian([Double](repeating: 0, count: flow.dimension)))
    #expect(predicted.count == numeric.count)
    // Match as multisets: eigenvalues with zero real part may sort in any order after round-off.
    var unmatched = numeric
    for p in predicted {
        let nearest = unmatched.indices.min { (unmatched[$0] - p).length < (unmatched[$1] - p).length }!
        #expect((unmatched[nearest] - p).length < 1e-9, "\(p) vs \(unmatched[nearest])")
        unmatched.remove(at: nearest)
    }
    #expect(Stability.originKind(flow) == kind)
}

@Test func verdictFollowsTheCriticalFractionAtTheTeacher() throws {
    // c = 0.1: readout flips are unstable above alpha_r^c(0.1) = 0.2446 (data/critical_fractions_closed_form.csv).
    // A normalised teacher (|w2| = 1, W1 entries of variance 1/M) as in the theory, at N = 400.
    let rng = RandomStream(seed: 12)
    var w2 = rng.gaussians(400)
    let norm = Vector.norm(w2)
    w2 = w2.map { $0 / norm }
    let teacher = TwoLayerWeights(w1: Matrix(rows: 400, columns: 40, elements: rng.gaussians(16_000, sigma: 1 / 40.0.squareRoot())), w2: w2)
    for (alpha, expected) in [(0.15, "stable"), (0.35, "unstable")] {
        let flow = try LinearFlow(teacher: teacher, rule: .curl(flippedInputs: .none, flippedHidden: .fraction(alpha)))
        for spectrum in [true, false] {
            #expect(try Stability.analyse(flow, at: teacher, spectrum: spectrum, fullJacobian: false).verdict.rawValue == expected, "alpha_r = \(alpha)")
        }
    }
}

/// The Cholesky verdict (no eigenvalues) against the spectrum's, on random manifold points of both flip layers at
/// flip counts spanning the boundary, each rule's lambda_min(K) shifted to sit just inside and just outside the
/// marginal band (K + s I is the stability matrix of the same point with |w2|^2 D1 moved by s I).
@Test(arguments: [FlipLayerCase.hidden, .readout])
func choleskyVerdictEqualsTheSpectrumVerdict(layer: FlipLayerCase) throws {
    let shape = try NetworkShape(inputs: 30, hidden: 60)
    let target = RandomStream(seed: 21).gaussians(30, sigma: 0.3)
    var verdicts: Set<Stability.Verdict> = []
    for flipped in stride(from: 0, through: layer == .hidden ? 30 : 60, by: 5) {
        let rule: LearningRule = layer == .hidden ? .curl(flippedInputs: .count(flipped), flippedHidden: .none)
                                                  : .curl(flippedInputs: .none, flippedHidden: .count(flipped))
        let flow = try LinearFlow(shape: shape, target: target, signs: rule.signs(for: shape))
        let point = Stability.randomManifoldPoint(target: target, shape: shape, initialization: .normal(scale: 1), seed: UInt64(flipped + 1))
        let k = flow.stabilityMatrix(point.flattened)
        let lambdaMin = try #require(try Eigen.symmetricEigenvalues(k).first)
        #expect(try Stability.verdict(stabilityMatrix: k) == Stability.verdict(lambdaMin: lambdaMin), "\(flipped) flipped, lambda_min \(lambdaMin)")
        #expect(try Stability.analyse(flow, at: point, spectrum: false, fullJacobian: false).verdict == Stability.verdict(lambdaMin: lambdaMin))
        verdicts.insert(Stability.verdict(lambdaMin: lambdaMin))
        // Near the boundary: lambda_min moved to +-(tolerance) x (1 +- 1e-3) and to 0.
        let tol = Stability.marginalTolerance
        for target in [2 * tol, 1.5 * tol, 0.5 * tol, 0, -0.5 * tol, -1.5 * tol, -2 * tol, 1e-6, -1e-6] {
            var shifted = k
            for i in 0..<k.rows { shifted[i, i] += target - lambdaMin }
            let exact = try #require(try Eigen.symmetricEigenvalues(shifted).first)
            #expect(try Stability.verdict(stabilityMatrix: shifted) == Stability.verdict(lambdaMin: exact), "shifted to \(target): \(exact)")
        }
    }
    #expect(verdicts.isSuperset(of: [.stable, .unstable]), "the flip counts span the boundary")
}

enum FlipLayerCase: Sendable { case hidden, readout }
