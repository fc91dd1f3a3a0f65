import Foundation
import CGSL
import CLAPACKE

/// The leading Lyapunov exponents of `problem` by Benettin's method.
///
/// The state and k tangent vectors are integrated together as one augmented system of n (k + 1) equations with a
/// GSL adaptive stepper (dy/dt = f, dv_j/dt = J v_j, J v_j from the problem's tangent map). Every interval tau the
/// tangent vectors V = [v_1 ... v_k] are re-orthonormalised by a QR factorisation (LAPACK dgeqrf, dorgqr) V = Q R,
/// V <- Q with the signs of Q's columns chosen so that R's diagonal is positive; log R_ii is the growth of the i-th
/// Gram-Schmidt direction over the interval. After the transient, the exponents are
///
///     lambda_i = (1 / T) sum over intervals of log R_ii,
///
/// and the same sums over each of the `segmentCount` consecutive segments give per-segment exponents, whose spread
/// yields a standard error and a confidence interval. The running estimate against time is kept as the
/// convergence diagnostic.
///
/// Choose tau so that the tangent vectors neither overflow nor lose their spread within an interval:
/// (lambda_1 - lambda_k) tau well below log(1 / machine epsilon) ~ 36. Explicit steppers only (the augmented
/// system has no Jacobian). An integration that diverges or fails ends the solve with its `status`; the exponents
/// then cover the measured time reached, the segment statistics the segments completed.
public func solve(_ problem: LyapunovProblem, _ stepper: Stepper = .rk8pd, options: LyapunovOptions) throws -> LyapunovSpectrum {
    try options.validate()
    let n = problem.dimension
    let k = problem.exponentCount
    guard n > 0 else { throw NumericalError.invalidArgument("the system has dimension 0") }
    guard k >= 1, k <= n else { throw NumericalError.invalidArgument("the number of exponents must lie in 1...\(n), got \(k)") }
    guard problem.initialTangents.count == k * n else {
        throw NumericalError.invalidArgument("\(k) initial tangent vectors of dimension \(n) need \(k * n) numbers, got \(problem.initialTangents.count)")
    }
    guard problem.initialState.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("initial state") }
    guard problem.initialTangents.allSatisfy(\.isFinite) else { throw NumericalError.nonFiniteInput("initial tangent vectors") }
    guard stepper.jacobian == nil else {
        throw NumericalError.invalidArgument("Lyapunov exponents are integrated with explicit steppers only; '\(stepper.name)' needs the augmented system's Jacobian")
    }

    let segments = options.segmentCount
    let perSegment = max(1, Int((options.measurementTime / (Double(segments) * options.renormalizationInterval)).rounded()))
    let interval = options.measurementTime / Double(segments * perSegment)
    let transientSteps = options.transientTime > 0 ? max(1, Int((options.transientTime / options.renormalizationInterval).rounded(.up))) : 0
    let transientInterval = transientSteps > 0 ? options.transientTime / Double(transientSteps) : 0
    let measuredSteps = segments * perSegment
    let recordEvery = max(1, (measuredSteps + options.maxRecordedPoints - 1) / options.maxRecordedPoints)

    var spectrum = LyapunovSpectrum()
    spectrum.interval = interval
    spectrum.confidenceLevel = options.confidenceLevel
    spectrum.stepperName = stepper.name

    var frame = TangentFrame(dimension: n, count: k, projection: problem.tangentProjection)
    var augmented = problem.initialState + problem.initialTangents
    guard try frame.orthonormalize(&augmented).allSatisfy(\.isFinite) else {
        throw NumericalError.invalidArgument("the initial tangent vectors are linearly dependent (after the tangent projection)")
    }

    let field = problem.variationalField
    let augmentedField: VectorField = { t, y, dydt in
        field(t, UnsafeBufferPointer(rebasing: y[0..<n]), UnsafeMutableBufferPointer(rebasing: dydt[0..<n]),
              UnsafeBufferPointer(rebasing: y[n...]), k, UnsafeMutableBufferPointer(rebasing: dydt[n...]))
    }
    var odeOptions = ODESolveOptions()
    odeOptions.absoluteTolerance = options.absoluteTolerance
    odeOptions.relativeTolerance = options.relativeTolerance
    odeOptions.output = .linear(count: 2)
    odeOptions.saveStates = false

    var t = problem.startTime
    let endTime = problem.startTime + options.transientTime + options.measurementTime
    var totals = [Double](repeating: 0, count: k)
    var segmentTotals = [Double](repeating: 0, count: k)
    var measured = 0
    for step in 0..<(transientSteps + measuredSteps) {
        let measuring = step >= transientSteps
        let length = measuring ? interval : transientInterval
        let ode = ODEProblem(initialState: augmented, startTime: t, endTime: t + length, vectorField: augmentedField)
        let solution = try solve(ode, stepper, options: odeOptions)
        spectrum.statistics.functionEvaluations += solution.statistics.functionEvaluations
        spectrum.statistics.steps += solution.statistics.steps
        spectrum.statistics.failedSteps += solution.statistics.failedSteps
        guard solution.status == .completed else {
            spectrum.status = solution.status
            break
        }
        // The next interval starts from this one's mean step rather than GSL's tiny default first step.
        odeOptions.initialStep = length / Double(max(1, solution.statistics.steps))
        augmented = solution.finalState
        t = solution.finalTime
        let logs = try frame.orthonormalize(&augmented)
        guard logs.allSatisfy(\.isFinite) else {
            throw NumericalError.invalidArgument("a tangent vector collapsed at t = \(t): more exponents requested than the (projected) tangent space holds")
        }
        options.progress?(ODEProgress(time: t, startTime: problem.startTime, endTime: endTime))
        guard measuring else { continue }
        measured += 1
        for i in 0..<k {
            totals[i] += logs[i]
            segmentTotals[i] += logs[i]
        }
        if measured % perSegment == 0 {
            spectrum.segmentExponents.append(segmentTotals.map { $0 / (Double(perSegment) * interval) })
            segmentTotals = [Double](repeating: 0, count: k)
        }
        if measured % recordEvery == 0 || measured == measuredSteps {
            let elapsed = Double(measured) * interval
            spectrum.runningTimes.append(elapsed)
            spectrum.runningEstimates.append(totals.map { $0 / elapsed })
        }
    }
    spectrum.measuredTime = Double(measured) * interval
    spectrum.exponents = measured > 0 ? totals.map { $0 / spectrum.measuredTime } : [Double](repeating: .nan, count: k)
    let s = spectrum.segmentExponents.count
    GSL.prepare()
    let quantile = s >= 2 ? gsl_cdf_tdist_Pinv(0.5 + options.confidenceLevel / 2, Double(s - 1)) : .nan
    for i in 0..<k {
        let values = spectrum.segmentExponents.map { $0[i] }
        let standardError = s >= 2 ? try SampleSummary(values).standardError : .nan
        spectrum.standardErrors.append(standardError)
        spectrum.confidenceHalfWidths.append(quantile * standardError)
    }
    spectrum.finalTime = t
    spectrum.finalState = Array(augmented[0..<n])
    spectrum.finalTangents = Array(augmented[n...])
    return spectrum
}

/// The QR re-orthonormalisation of k tangent vectors stored after the state, with LAPACK's Householder QR
/// (stable however unequal the vectors' growth).
struct TangentFrame {
    let dimension: Int
    let count: Int
    let projection: TangentProjection?
    private var reflectors: [Double]

    init(dimension: Int, count: Int, projection: TangentProjection?) {
        self.dimension = dimension
        self.count = count
        self.projection = projection
        reflectors = [Double](repeating: 0, count: count)
    }

    /// Projects (if the problem says so) and orthonormalises the tangent vectors in `augmented[n...]` in place and
    /// returns log R_ii, i = 1...k (-infinity for a vector that is linearly dependent on the ones before it).
    mutating func orthonormalize(_ augmented: inout [Double]) throws -> [Double] {
        let (n, k) = (dimension, count)
        var logs = [Double](repeating: 0, count: k)
        try augmented.withUnsafeMutableBufferPointer { buffer in
            let state = UnsafeBufferPointer(rebasing: buffer[0..<n])
            let tangents = UnsafeMutableBufferPointer(rebasing: buffer[n...])
            projection?(state, tangents, k)
            // The k vectors one after another are the columns of a column-major n x k matrix.
            let a = tangents.baseAddress!
            try reflectors.withUnsafeMutableBufferPointer { tau in
                var info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, Int32(n), Int32(k), a, Int32(n), tau.baseAddress!)
                if info != 0 { throw NumericalError.lapackFailure(routine: "dgeqrf", info: info) }
                var signs = [Double](repeating: 1, count: k)
                for i in 0..<k {
                    let r = a[i * n + i]
                    logs[i] = log(abs(r))
                    if r < 0 { signs[i] = -1 }
                }
                info = LAPACKE_dorgqr(LAPACK_COL_MAJOR, Int32(n), Int32(k), Int32(k), a, Int32(n), tau.baseAddress!)
                if info != 0 { throw NumericalError.lapackFailure(routine: "dorgqr", info: info) }
                // Q R = V with R_ii < 0 means column i of Q points against V's i-th Gram-Schmidt direction: flip it.
                for i in 0..<k where signs[i] < 0 {
                    for r in 0..<n { a[i * n + r] = -a[i * n + r] }
                }
            }
        }
        return logs
    }
}
