import Foundation
import CGSL

/// A GSL failure as a Swift error: the status code, GSL's text for it and where it happened.
public struct GSLError: Error, Equatable, CustomStringConvertible {
    public let status: Int32
    public let context: String

    public init(status: Int32, context: String) {
        self.status = status
        self.context = context
    }

    /// GSL's own description of the status code.
    public var reason: String { String(cString: gsl_strerror(status)) }

    public var description: String { "\(context): \(reason) (GSL status \(status))" }
}

/// Process-wide GSL set-up. GSL's default error handler calls `abort()`; CurlDynamics turns it off
/// once, before any GSL call, and maps every returned status to a `GSLError` instead.
public enum GSL {
    private static let handlerDisabled: Bool = {
        gsl_set_error_handler_off()
        return true
    }()

    /// Turns GSL's abort-on-error handler off (idempotent, thread-safe). Every bridge entry point calls this.
    @inline(__always)
    public static func prepare() { _ = handlerDisabled }

    /// Throws a `GSLError` unless `status` is `GSL_SUCCESS`.
    @inline(__always)
    public static func check(_ status: Int32, _ context: @autoclosure () -> String) throws {
        if status != Int32(GSL_SUCCESS) { throw GSLError(status: status, context: context()) }
    }

    /// The version of the GSL library this process is linked against.
    public static var version: String { String(cString: cgsl_version()) }
}

/// BLAS thread control for OpenBLAS, which GSL's CBLAS calls resolve to.
public enum BLASThreads {
    /// Number of threads OpenBLAS uses for one call.
    public static var count: Int { Int(openblas_get_num_threads()) }

    /// Sets the OpenBLAS thread count (use 1 inside parallel sweeps so tasks do not oversubscribe cores).
    public static func set(_ n: Int) { openblas_set_num_threads(Int32(max(1, n))) }

    /// Whether the user fixed the thread count with the OPENBLAS_NUM_THREADS environment variable.
    static var fixedByEnvironment: Bool { ProcessInfo.processInfo.environment["OPENBLAS_NUM_THREADS"] != nil }

    /// Uses one BLAS thread unless the user asked otherwise (OPENBLAS_NUM_THREADS): matrix-vector work on
    /// matrices of a few thousand entries loses to thread synchronisation (measured: the M=20, N=199 flow runs
    /// 1.5x faster), and sweeps that run tasks on both cores must not oversubscribe them.
    public static func useOneThreadUnlessEnvironmentSetsIt() {
        if !fixedByEnvironment { set(1) }
    }
}
