import NumericalKit

/// What a Lyapunov measurement of the learning flow reports: the spectrum (with its convergence diagnostics) and,
/// on the same trajectory right after it, the order parameter q of the reference's Fig. 3b and the train loss.
public struct FlowLyapunovResult {
    public var spectrum: LyapunovSpectrum
    /// q = mean_{i,t} (w_i(t) - mean_t w_i)^2 / Var_i(mean_t w_i) over the window after the measurement (NaN without
    /// a window or when the integration failed).
    public var q: Double
    /// The train loss at the end of the Lyapunov measurement (NaN when it failed).
    public var finalTrainLoss: Double
    /// How the q window's integration ended (nil without a window).
    public var qStatus: ODEStatus?
}

extension FullBatchFlow {
    /// The `exponentCount` leading Lyapunov exponents of this flow from the problem's start (see `lyapunovProblem`
    /// for what is measured under the norm constraint), then q over `qWindow` time units sampled at `qSamples`
    /// points, continuing the same trajectory with the same field.
    ///
    /// In the reference's discrete protocol one epoch of learning rate lr is a time step lr, so its window of 999
    /// epochs at lr = 0.1 is 99.9 time units, and an exponent per unit time is lambda / lr per epoch.
    public func lyapunovExponents(exponentCount: Int, options: LyapunovOptions, stepper: Stepper = .rk8pd,
                                  qWindow: Double? = nil, qSamples: Int = 1000) throws -> FlowLyapunovResult {
        guard exponentCount >= 1, exponentCount <= dimension else {
            throw ParameterError("the number of exponents must lie in 1...\(dimension), got \(exponentCount)")
        }
        if let window = qWindow, !(window > 0 && window.isFinite) || qSamples < 2 {
            throw ParameterError("the q window must be positive with at least 2 samples")
        }
        let spectrum = try solve(lyapunovProblem(exponentCount: exponentCount), stepper, options: options)
        guard spectrum.status.isSuccess else { return FlowLyapunovResult(spectrum: spectrum, q: .nan, finalTrainLoss: .nan, qStatus: nil) }
        let loss = problem.trainLoss(TwoLayerWeights(shape: shape, flattened: spectrum.finalState))
        guard let window = qWindow else { return FlowLyapunovResult(spectrum: spectrum, q: .nan, finalTrainLoss: loss, qStatus: nil) }
        // The same field the exponents were measured on, without tangents.
        let variational = makeVariationalField(maxTangents: 1)
        var none = [Double](repeating: 0, count: dimension)  // no tangents (a buffer all the same: the kernel reads its address)
        let field: VectorField = { t, y, dydt in
            none.withUnsafeMutableBufferPointer { empty in variational(t, y, dydt, UnsafeBufferPointer(empty), 0, empty) }
        }
        var odeOptions = ODESolveOptions()
        odeOptions.absoluteTolerance = options.absoluteTolerance
        odeOptions.relativeTolerance = options.relativeTolerance
        odeOptions.output = .linear(count: qSamples)
        let trajectory = try solve(ODEProblem(initialState: spectrum.finalState, startTime: spectrum.finalTime,
                                              endTime: spectrum.finalTime + window, vectorField: field), stepper, options: odeOptions)
        let q = trajectory.status.isSuccess ? try OrderParameter.q(window: trajectory.states) : .nan
        return FlowLyapunovResult(spectrum: spectrum, q: q, finalTrainLoss: loss, qStatus: trajectory.status)
    }
}
