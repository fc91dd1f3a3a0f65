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
