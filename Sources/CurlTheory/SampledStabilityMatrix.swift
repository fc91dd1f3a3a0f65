import NumericalKit
import StudentTeacherCore

/// One finite-size draw of the stability matrix K = |w2|^2 D1 + W1^T D2 W1 in the setting of the theory
/// (../shared/reference/curl-descent.md sections 3, 4.1): W1 (N x M) with i.i.d. N(0, 1/M) entries, |w2|^2 = 1,
/// and the first k inputs (hidden flips, D1) or the first k hidden neurons (readout flips, D2) flipped; or both at once
/// (`stabilityMatrix(flippedInputs:flippedHidden:)`, the mixed case).
/// Which neurons are flipped does not matter in distribution, since the entries are i.i.d.
///
/// For a fixed draw lambda_min(K) never increases with k: one more flip subtracts the positive semidefinite
/// 2 e_j e_j^T (hidden) or 2 w_i^T w_i (readout) from K (Weyl's inequality). So the first unstable count is a
/// single sign change, and bisection on k finds it exactly.
public struct SampledStabilityMatrix: Sendable {
    public let layer: FlipLayer
    /// M, the input dimension (K is M x M).
    public let inputs: Int
    /// N, the hidden width.
    public let hidden: Int
    /// The hidden-layer weights W1 (N x M).
    public let w1: Matrix
    /// W1^T W1 (`StabilityMatrix.product`), shared by every flip count.
    private let gram: Matrix

    /// Draws W1 from draw `draw` of `seed` (stream role `CurlStreams.stabilitySample`).
    public init(layer: FlipLayer, inputs: Int, hidden: Int, seed: UInt64, draw: UInt64 = 0) throws {
        guard inputs > 0, hidden > 0 else {
            throw ParameterError("the network needs M >= 1 inputs and N >= 1 hidden neurons, got M = \(inputs), N = \(hidden)")
        }
        guard !inputs.multipliedReportingOverflow(by: hidden).overflow, !inputs.multipliedReportingOverflow(by: inputs).overflow else {
            throw ParameterError("M = \(inputs), N = \(hidden): the matrix sizes M N and M^2 overflow")
        }
        let stream = RandomStream(seed: seed, role: CurlStreams.stabilitySample, index: draw)
        let w1 = Matrix(rows: hidden, columns: inputs, elements: stream.gaussians(hidden * inputs, sigma: 1 / Double(inputs).squareRoot()))
        self.layer = layer
        self.inputs = inputs
        self.hidden = hidden
        self.w1 = w1
        gram = StabilityMatrix.product(w1: w1)
    }

    /// How many neurons can be flipped: M for hidden flips, N for readout flips.
    public var flippableCount: Int { layer == .hidden ? inputs : hidden }

    /// The flip count for a fraction alpha of the flippable neurons: floor(alpha n), guarded against round-off.
    public func flipCount(fraction alpha: Double) -> Int { Self.flipCount(fraction: alpha, of: flippableCount) }

    /// floor(alpha n) flips out of n neurons, guarded against round-off (as the reference's int(n alpha) on its grids).
    public static func flipCount(fraction alpha: Double, of n: Int) -> Int {
        min(n, Int((alpha * Double(n) + 1e-9).rounded(.down)))
    }

    /// K with the first `flipped` neurons of the layer flipped.
    public func stabilityMatrix(flipped k: Int) throws -> Matrix {
        guard (0...flippableCount).contains(k) else {
            throw ParameterError("can flip 0...\(flippableCount) neurons of the \(layer) layer, asked for \(k)")
        }
        return layer == .hidden ? try stabilityMatrix(flippedInputs: k, flippedHidden: 0) : try stabilityMatrix(flippedInputs: 0, flippedHidden: k)
    }

    /// K = D1 + W1^T D2 W1 with the first `flippedInputs` inputs (D1) and the first `flippedHidden` hidden neurons (D2)
    /// flipped at once, whatever `layer` is: the mixed case (`MixedFlipSpectrum`). |w2|^2 = 1; W1^T D2 W1 comes from
    /// W1^T W1 by the rank-k downdate of D2's flipped rows.
    public func stabilityMatrix(flippedInputs kh: Int, flippedHidden kr: Int) throws -> Matrix {
        guard (0...inputs).contains(kh), (0...hidden).contains(kr) else {
            throw ParameterError("can flip 0...\(inputs) inputs and 0...\(hidden) hidden neurons, asked for \(kh) and \(kr)")
        }
        let withDiagonal = StabilityMatrix.addingDiagonal(to: gram, readoutNormSquared: 1, signs: try SignMatrices.flippingFirst(kh, of: inputs))
        return StabilityMatrix.flippingFirstRows(kr, of: w1, in: withDiagonal)
    }

    /// lambda_min(K) with `flippedInputs` inputs and `flippedHidden` hidden neurons flipped.
    public func smallestEigenvalue(flippedInputs kh: Int, flippedHidden kr: Int) throws -> Double {
        try smallestEigenvalue(of: stabilityMatrix(flippedInputs: kh, flippedHidden: kr))
    }

    /// lambda_min(K) with `flipped` neurons flipped (LAPACK dsyevd from M = 100 on, GSL below).
    public func smallestEigenvalue(flipped k: Int) throws -> Double {
        try smallestEigenvalue(of: stabilityMatrix(flipped: k))
    }

    private func smallestEigenvalue(of K: Matrix) throws -> Double {
        guard let smallest = try Eigen.symmetricEigenvalues(K).first else {
            throw CurlTheoryError.numericalFailure("no eigenvalues for an \(inputs) x \(inputs) stability matrix")
        }
        return smallest
    }

    /// Whether K with `flipped` neurons flipped is not positive definite (lambda_min(K) <= 0), by a Cholesky
    /// factorisation: a tenth of an eigensolve's cost.
    public func isUnstable(flipped k: Int) throws -> Bool {
        try !stabilityMatrix(flipped: k).isPositiveDefinite()
    }

    /// The smallest flip count k with K not positive definite, or nil if K stays positive definite with every
    /// neuron flipped. k = 0 is gradient descent (K >= I), always stable. Bisection: about log2(flippableCount) + 1
    /// Cholesky factorisations.
    public func firstUnstableCount() throws -> Int? {
        let all = flippableCount
        guard try isUnstable(flipped: all) else { return nil }
        var stable = 0, unstable = all  // invariant: stable at `stable`, unstable at `unstable`
        while unstable - stable > 1 {
            let mid = (stable + unstable) / 2
            if try isUnstable(flipped: mid) { unstable = mid } else { stable = mid }
        }
        return unstable
    }
}
