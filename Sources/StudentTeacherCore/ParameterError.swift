/// Bad parameters or input to a computation of any science module (a size out of range, sigma <= 0, a layer that
/// does not exist, mismatched shapes): the one error the modules throw for what the caller got wrong, so that
/// the command line maps one type to its bad-input exit status (64). Failures that are not the caller's (a root
/// finder that did not converge) stay with their module's own error type.
public struct ParameterError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, in terms a user of the command line can act on.
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
