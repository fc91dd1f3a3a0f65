import StudentTeacherCore

/// A computation produced non-finite numbers (overflow, 0/0) although its inputs passed validation. Results are
/// never returned with NaN or infinity in them: the caller gets this error instead, and must report it, not data.
public struct NonFiniteResultError: Error, Equatable, CustomStringConvertible {
    public let what: String
    public init(_ what: String) { self.what = what }
    public var description: String { "\(what) came out non-finite (NaN or infinite): the parameters leave double precision's range; no results written" }
}
