import Foundation
import StudentTeacherCore

/// The stability boundary in the (alpha_h, alpha_r) square at fixed c, for hidden and readout flips at once: the curve
/// where the limiting lambda_min(K) of `MixedFlipSpectrum` crosses 0. lambda_min never increases with either fraction,
/// so the stable set is the corner below one monotone curve from (0, alpha_r^c(c)) to (alpha_h^c(c), 0); each point of
/// it is found by bisection along a segment on which lambda_min is monotone (about 50 edge computations per point).
public enum MixedCriticalFraction {
    /// alpha_r*(alpha_h; c): the largest fraction of flipped hidden neurons that keeps the manifold stable when a
    /// fraction alpha_h of the inputs is flipped too. 0 when alpha_h alone already destabilises (alpha_h >= alpha_h^c(c));
    /// 1 if every hidden neuron can be flipped (never, in practice). alpha_h = 0 gives `CriticalFraction.readout(c:)`.
    public static func readout(alphaHidden: Double, c: Double) throws -> Double {
        try Validate.fraction(alphaHidden)
        return try crossing(c: c) { (alphaHidden, $0) }
    }

    /// alpha_h*(alpha_r; c): the largest fraction of flipped inputs that keeps the manifold stable when a fraction
    /// alpha_r of the hidden neurons is flipped too. alpha_r = 0 gives `CriticalFraction.hidden(c:)`.
    public static func hidden(alphaReadout: Double, c: Double) throws -> Double {
        try Validate.fraction(alphaReadout)
        return try crossing(c: c) { ($0, alphaReadout) }
    }

    /// `points` points (alpha_h, alpha_r) of the boundary, from the alpha_r axis to the alpha_h axis, one per ray
    /// from the origin at angles evenly spaced in [0, pi/2]: rays sample the curve evenly even where it is steep
    /// (alpha_r* drops like a square root as alpha_h leaves 0). A ray that stays stable up to the unit square's edge
    /// (c <= 1/4 along the alpha_h axis) contributes its end on that edge.
    public static func boundary(c: Double, points: Int) throws -> [(alphaHidden: Double, alphaReadout: Double)] {
        guard points >= 2 else { throw ParameterError("the boundary needs at least 2 points, got \(points)") }
        return try (0..<points).map { k in
            let angle = Double.pi / 2 * Double(points - 1 - k) / Double(points - 1)
            // Exact axes at the ends: a direction 6e-17 off the alpha_r axis would flip a few inputs.
            let (dh, dr) = k == 0 ? (0.0, 1.0) : k == points - 1 ? (1.0, 0.0) : (cos(angle), sin(angle))
            let reach = 1 / max(dh, dr)
            let t = try crossing(c: c) { (min(1, $0 * reach * dh), min(1, $0 * reach * dr)) }
            return (min(1, t * reach * dh), min(1, t * reach * dr))
        }
    }

    /// The largest s in [0, 1] with lambda_min(point(s)) > 0, for a path along which lambda_min does not increase:
    /// 0 if point(0) is already unstable, 1 if point(1) is still stable.
    static func crossing(c: Double, _ point: (Double) -> (Double, Double)) throws -> Double {
        try Validate.ratio(c)
        func stable(_ s: Double) throws -> Bool {
            let (h, r) = point(s)
            return try MixedFlipSpectrum(c: c, alphaHidden: h, alphaReadout: r).isStable
        }
        if try !stable(0) { return 0 }
        if try stable(1) { return 1 }
        var (lo, hi) = (0.0, 1.0)
        while hi - lo > 4 * hi.ulp {
            let mid = 0.5 * (lo + hi)
            if mid <= lo || mid >= hi { break }
            if try stable(mid) { lo = mid } else { hi = mid }
        }
        return lo
    }
}
