import ArgumentParser
import Foundation

/// Reading numbers from the text files the commands take (state files, covariance files): `#` comments and blank
/// lines are skipped, fields are separated by spaces or tabs, and every number is checked where it is read, so a
/// bad file is refused (exit status 64) with its path and line instead of a crash or meaningless dynamics.
struct NumberFile {
    /// The largest magnitude accepted for a weight or matrix entry: squares (1e300) and sums of many squares stay
    /// finite in double precision (max about 1.8e308), so norms, losses and K never overflow on the first step.
    static let largestValue = 1e150

    let path: String
    /// The data lines with their 1-based line numbers in the file.
    let lines: [(number: Int, fields: [Substring])]

    /// Reads `url`; `kind` names the file in messages ("state file", "covariance file").
    init(_ url: URL, kind: String) throws {
        path = url.path
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw ValidationError("cannot read the \(kind) \(url.path)") }
        lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated().compactMap { k, line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
            return (k + 1, line.split(whereSeparator: { $0 == " " || $0 == "\t" }))
        }
    }

    /// What is wrong with one field, and where; the readers turn it into a refusal naming the file.
    struct BadField: Error {
        let line: Int
        let detail: String
        var located: String { "line \(line): \(detail)" }
    }

    func error(line: Int, _ detail: String) -> BadField { BadField(line: line, detail: detail) }

    /// A size field: an exact decimal integer in `range` (no sign tricks, fractions, exponents, nan or inf).
    func size(_ field: Substring, line: Int, range: ClosedRange<Int>) throws -> Int {
        guard field.allSatisfy(\.isASCII), field.allSatisfy(\.isNumber), let value = Int(field), range.contains(value) else {
            throw error(line: line, "'\(field)' is not a whole number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// A value field: a finite number with |x| <= `largestValue`.
    func value(_ field: Substring, line: Int) throws -> Double {
        guard let x = Double(field) else { throw error(line: line, "'\(field)' is not a number") }
        guard x.isFinite else { throw error(line: line, "'\(field)' is not finite") }
        guard abs(x) <= Self.largestValue else { throw error(line: line, "\(field) exceeds the largest magnitude accepted, \(Self.largestValue)") }
        return x
    }
}
