import NumericalKit

/// The numerical rank of an update matrix (thin SVD; singular values above tolerance * max(m, n) * s_max).
/// A minibatch update (1/B) g^T X has rank <= min(B, n_out, n_in); sign flips D do not change it.
public func updateRank(_ g: Matrix, tolerance: Double = 1e-10) throws -> Int {
    try ThinSVD(g).numericalRank(relativeTolerance: tolerance)
}
