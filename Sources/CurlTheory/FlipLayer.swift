/// Which layer's updates are rule-flipped (../shared/reference/curl-descent.md section 1.2).
public enum FlipLayer: String, Sendable, CaseIterable {
    /// Flips of the hidden-layer weights W1 leaving flipped inputs (D1, fraction alpha_h of the M inputs).
    case hidden
    /// Flips of the readout weights W2 leaving flipped hidden neurons (D2, fraction alpha_r of the N hidden neurons).
    case readout
}
