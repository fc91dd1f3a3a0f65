import ComplexModule
import RealModule
import NumericalKit

/// Linear stability of the linear learning flow at points of the zero-error manifold W2 W1 = w* and at the
/// origin (../shared/reference/curl-descent.md section 3).
public enum Stability {
    /// A seeded random point of the solution manifold of `target`: W1 and w2 drawn as `initialization` draws
    /// them, then W1 <- W1 + w2^T (w* - w2 W1) / |w2|^2, the rank-one correction that makes W2 W1 = w*.
    public static func randomManifoldPoint(target: [Double], shape: NetworkShape, initialization: WeightInitialization,
                                           seed: UInt64) -> TwoLayerWeights {
        precondition(target.count == shape.inputs)
        let w = initialization.draw(shape, from: RandomStream(seed: seed, role: SeedStream.student))
        let residual = zip(target, w.endToEnd).map { $0 - $1 }
        let (w2, norm2) = (w.w2, Vector.dot(w.w2, w.w2))
        var w1 = w.w1
        for i in 0..<shape.hidden { for j in 0..<shape.inputs { w1[i, j] += w2[i] * residual[j] / norm2 } }
        return TwoLayerWeights(w1: w1, w2: w2)
    }

    /// Stable iff lambda_min(K) > 0; within the tolerance of 0 the linearisation does not decide.
    public enum Verdict: String, Sendable {
        case stable, unstable, marginal
    }

    /// Half-width of the marginal band around lambda_min(K) = 0.
    public static let marginalTolerance = 1e-10

    /// The verdict from lambda_min(K).
    public static func verdict(lambdaMin: Double, tolerance: Double = marginalTolerance) -> Verdict {
        lambdaMin > tolerance ? .stable : lambdaMin < -tolerance ? .unstable : .marginal
    }

    /// The verdict without eigenvalues, by Cholesky factorisations (`Matrix.isPositiveDefinite`): K - tol I positive
    /// definite certifies lambda_min > tol (stable); K + tol I not positive definite certifies lambda_min < -tol
    /// (unstable); neither, marginal. The same verdict as `verdict(lambdaMin:)` up to round-off of order n eps |K|.
    public static func verdict(stabilityMatrix k: Matrix, tolerance: Double = marginalTolerance) throws -> Verdict {
        if try k.isPositiveDefinite(shift: tolerance) { return .stable }
        return try k.isPositiveDefinite(shift: -tolerance) ? .marginal : .unstable
    }

    /// The result of a stability analysis at one point.
    public struct Report: Sendable {
        /// Stable iff lambda_min(K) > 0 (K = |w2|^2 D1 + W1^T D2 W1), from the spectrum when it was computed, else
        /// from Cholesky factorisations.
        public let verdict: Verdict
        /// eig(K), ascending, when the spectrum was asked for.
        public let stabilityMatrixEigenvalues: [Double]?
        /// The transverse Jacobian eigenvalues predicted by the reduction: -eig(Sigma K) (-sigma_x^2 eig(K) when
        /// isotropic), ascending, with the spectrum.
        public let predictedJacobianEigenvalues: [Double]?
        /// The full Jacobian's eigenvalues (NM + N of them), when computed.
        public let jacobianEigenvalues: [Complex<Double>]?
        /// |W2 W1 - w*| at the point (0 on the manifold).
        public let errorNorm: Double

        public var lambdaMin: Double? { stabilityMatrixEigenvalues?.first }
    }

    /// Analyses `point` under `flow`. K (M x M, symmetric) decides: stable iff lambda_min(K) > 0 (curl-descent.md
    /// section 3; with an input covariance Sigma, -Sigma K has the eigenvalue signs of -K by Sylvester's law). With
    /// `spectrum`, eig(K) and the predicted Jacobian eigenvalues (O(M^3) eigensolves); without, only the verdict,
    /// by Cholesky (a tenth of the flops). The dense (NM + N)-dimensional nonsymmetric Jacobian only with
    /// `fullJacobian` (O((NM + N)^3)), which implies the spectrum it is compared with.
    public static func analyse(_ flow: LinearFlow, at point: TwoLayerWeights, spectrum: Bool = true, fullJacobian: Bool) throws -> Report {
        let theta = point.flattened
        let k = flow.stabilityMatrix(theta)
        let errorNorm = Vector.norm(flow.error(theta))
        guard spectrum || fullJacobian else {
            return Report(verdict: try verdict(stabilityMatrix: k), stabilityMatrixEigenvalues: nil, predictedJacobianEigenvalues: nil,
                          jacobianEigenvalues: nil, errorNorm: errorNorm)
        }
        let eigenK = try Eigen.symmetricEigenvalues(k)
        let predicted: [Double]
        if let sigma = flow.inputCovariance {
            predicted = try Eigen.eigenvalues(sigma * k).map { -$0.real }.sorted()
        } else {
            predicted = eigenK.map { -flow.inputVariance * $0 }.sorted()
        }
        let full = fullJacobian ? try Eigen.eigenvalues(flow.jacobian(theta)) : nil
        guard let smallest = eigenK.first else { throw ParameterError("the stability matrix is empty") }
        return Report(verdict: verdict(lambdaMin: smallest), stabilityMatrixEigenvalues: eigenK, predictedJacobianEigenvalues: predicted,
                      jacobianEigenvalues: full, errorNorm: errorNorm)
    }

    /// The Jacobian spectrum at the origin W = 0 of the isotropic linear flow: one pair
    /// +-sigma_x^2 sqrt(d2_i w* D1 w*^T) per hidden neuron (real: saddle directions; imaginary: rotation),
    /// and zeros for the rest. Sorted by real part, then imaginary part.
    public static func originSpectrum(_ flow: LinearFlow) -> [Complex<Double>] {
        let q = zip(flow.target, flow.signs.d1).reduce(0) { $0 + $1.0 * $1.0 * $1.1 }
        var values: [Complex<Double>] = []
        for d2 in flow.signs.d2 {
            let r = d2 * q
            let root = abs(r).squareRoot() * flow.inputVariance
            values += r >= 0 ? [Complex(root, 0), Complex(-root, 0)] : [Complex(0, root), Complex(0, -root)]
        }
        values += Array(repeating: Complex(0, 0), count: flow.dimension - values.count)
        return values.sorted { ($0.real, $0.imaginary) < ($1.real, $1.imaginary) }
    }

    /// What the origin is: a saddle (some real pair), a center (all pairs imaginary) or mixed.
    public static func originKind(_ flow: LinearFlow) -> String {
        let q = zip(flow.target, flow.signs.d1).reduce(0) { $0 + $1.0 * $1.0 * $1.1 }
        let rotating = flow.signs.d2.count { $0 * q < 0 }
        if rotating == 0 { return "saddle" }
        return rotating == flow.signs.d2.count ? "center" : "mixed (saddle and rotation)"
    }
}
