/// The right-hand side f(t, y) of dy/dt = f(t, y), written into `dydt`.
public typealias VectorField = (_ t: Double, _ y: UnsafeBufferPointer<Double>, _ dydt: UnsafeMutableBufferPointer<Double>) -> Void

/// The Jacobian of a vector field: `dfdy[i * n + j] = ∂f_i/∂y_j` (row-major) and `dfdt[i] = ∂f_i/∂t`.
public typealias JacobianFunction = (
    _ t: Double, _ y: UnsafeBufferPointer<Double>,
    _ dfdy: UnsafeMutableBufferPointer<Double>, _ dfdt: UnsafeMutableBufferPointer<Double>
) -> Void

/// A scalar function of the state, used for stop conditions and recorded observables.
public typealias StateFunction = (_ t: Double, _ y: UnsafeBufferPointer<Double>) -> Double

/// An initial-value problem dy/dt = f(t, y), y(startTime) = initialState, to be integrated up to endTime.
public struct ODEProblem {
    public var vectorField: VectorField
    public var initialState: [Double]
    public var startTime: Double
    public var endTime: Double

    public init(initialState: [Double], startTime: Double = 0, endTime: Double, vectorField: @escaping VectorField) {
        self.vectorField = vectorField
        self.initialState = initialState
        self.startTime = startTime
        self.endTime = endTime
    }

    public var dimension: Int { initialState.count }
}
