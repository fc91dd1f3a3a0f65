/// A limiting eigenvalue distribution of the stability matrix (or of its flipped part): band edges, point masses
/// and a continuous density. The hidden-flip and readout-flip spectra share what follows from these.
public protocol LimitingSpectrum: Sendable {
    /// Sorted band edges [a1, b1, a2, b2, ...] of the continuous part.
    var edges: [Double] { get }
    /// Point masses the edges do not see.
    var atoms: [SpectralAtom] { get }
    /// The limit of lambda_min(K): the lowest point of the spectrum, shifted to K's own scale where needed.
    var smallestEigenvalue: Double { get }
    /// The continuous density at x (0 outside the bands).
    func density(at x: Double) throws -> Double
}

extension LimitingSpectrum {
    /// The bands of the continuous part, (edges[0], edges[1]), (edges[2], edges[3]), ...
    public var bands: [ClosedRange<Double>] { SpectralSupport.bands(edges) }

    /// The lowest edge of the continuous part.
    public var lowerEdge: Double { edges[0] }

    /// The mass of the continuous part, 1 minus the atoms: what `density` integrates to.
    public var continuousMass: Double { 1 - atoms.reduce(0) { $0 + $1.mass } }

    /// Whether the solution manifold is stable: lambda_min(K) stays above 0 in the limit.
    public var isStable: Bool { smallestEigenvalue > 0 }
}

extension FlipLayer {
    /// The limiting spectrum for flips in this layer (readout at s = 1, the spectrum of Bm).
    public func spectrum(c: Double, alpha: Double) throws -> any LimitingSpectrum {
        switch self {
        case .hidden: try HiddenFlipSpectrum(c: c, alpha: alpha)
        case .readout: try ReadoutFlipSpectrum(c: c, alpha: alpha)
        }
    }
}
