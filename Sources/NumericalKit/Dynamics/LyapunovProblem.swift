/// The vector field and its Jacobian J(t, y) applied to tangent vectors, evaluated together: writes f(t, y) into
/// `dydt` and J(t, y) v_j into `products` for the `count` tangent vectors v_j stored one after another in
/// `tangents` (v_j at offset j * n, n = y.count; `products` has the same layout). A problem whose field and
/// Jacobian-vector product share work (a forward pass, say) computes it once here.
public typealias VariationalField = (
    _ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>,
    _ tangents: UnsafeBufferPointer<Double>, _ count: Int, _ products: UnsafeMutableBufferPointer<Double>
) -> Void

/// J(t, y) applied to `count` tangent vectors (layout as in `VariationalField`), without building J.
public typealias TangentMap = (
    _ t: Double, _ y: UnsafeBufferPointer<Double>, _ tangents: UnsafeBufferPointer<Double>, _ count: Int,
    _ products: UnsafeMutableBufferPointer<Double>
) -> Void

/// Projects `count` tangent vectors at y (layout as in `VariationalField`) onto the tangent space of an invariant
/// manifold of the flow (a conserved norm, say), in place.
public typealias TangentProjection = (_ y: UnsafeBufferPointer<Double>, _ tangents: UnsafeMutableBufferPointer<Double>, _ count: Int) -> Void

/// The leading Lyapunov exponents of dy/dt = f(t, y) from y(startTime) = initialState: the state is integrated with
/// `exponentCount` tangent vectors dv/dt = J(t, y) v, which Benettin's method re-orthonormalises at fixed intervals
/// (see `solve(_:_:options:)` for Lyapunov problems).
///
/// A flow confined to an invariant manifold (a product of spheres under a norm constraint) can be measured on that
/// manifold only: `tangentProjection` keeps the tangent vectors in its tangent space, so the exponents of the
/// directions normal to it (trivial: zero for a conserved quantity) are left out of the spectrum.
public struct LyapunovProblem {
    public var variationalField: VariationalField
    public var initialState: [Double]
    public var startTime: Double
    /// The initial tangent vectors, `exponentCount` of them one after another (orthonormalised before use).
    public var initialTangents: [Double]
    public var exponentCount: Int
    public var tangentProjection: TangentProjection?

    /// A problem from a field and tangent map evaluated together.
    public init(initialState: [Double], startTime: Double = 0, initialTangents: [Double], exponentCount: Int,
                tangentProjection: TangentProjection? = nil, variationalField: @escaping VariationalField) {
        self.variationalField = variationalField
        self.initialState = initialState
        self.startTime = startTime
        self.initialTangents = initialTangents
        self.exponentCount = exponentCount
        self.tangentProjection = tangentProjection
    }

    /// A problem from a vector field and a separate Jacobian-vector product.
    public init(initialState: [Double], startTime: Double = 0, initialTangents: [Double], exponentCount: Int,
                tangentProjection: TangentProjection? = nil, vectorField: @escaping VectorField, tangentMap: @escaping TangentMap) {
        self.init(initialState: initialState, startTime: startTime, initialTangents: initialTangents, exponentCount: exponentCount,
                  tangentProjection: tangentProjection) { t, y, dydt, tangents, count, products in
            vectorField(t, y, dydt)
            tangentMap(t, y, tangents, count, products)
        }
    }

    public var dimension: Int { initialState.count }

    /// `count` tangent vectors of dimension n with independent N(0, 1) entries from `stream` (a random start is
    /// generic: it has a component along every Lyapunov direction with probability one).
    public static func randomTangents(count: Int, dimension n: Int, stream: RandomStream) -> [Double] {
        stream.gaussians(count * n)
    }
}
