import Foundation
import NumericalKit

/// An input covariance file: M rows of M whitespace-separated numbers; lines starting with `#` are comments.
enum CovarianceFile {
    /// The M x M matrix in `url`; the flow checks that it is symmetric positive definite.
    static func read(_ url: URL, size m: Int) throws -> Matrix {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw CommandFailure("cannot read the covariance file \(url.path)") }
        let rows = text.split(whereSeparator: \.isNewline)
            .filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).map { Double($0) } }
        guard rows.count == m, rows.allSatisfy({ $0.count == m }) else {
            throw CommandFailure("\(url.path) must hold \(m) rows of \(m) numbers (an M x M covariance for M = \(m)), got \(rows.count) rows")
        }
        let values = rows.flatMap { $0 }
        guard values.allSatisfy({ $0?.isFinite == true }) else { throw CommandFailure("\(url.path) holds entries that are not finite numbers") }
        return Matrix(rows: m, columns: m, elements: values.map { $0! })
    }
}
