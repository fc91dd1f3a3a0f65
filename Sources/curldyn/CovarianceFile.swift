import ArgumentParser
import Foundation
import NumericalKit

/// An input covariance file: M rows of M whitespace-separated numbers; lines starting with `#` are comments.
enum CovarianceFile {
    /// The M x M matrix in `url`; every entry must be a finite number of magnitude at most `NumberFile.largestValue`
    /// (refused naming the line otherwise); the flow checks that it is symmetric positive definite.
    static func read(_ url: URL, size m: Int) throws -> Matrix {
        let file = try NumberFile(url, kind: "covariance file")
        guard file.lines.count == m, file.lines.allSatisfy({ $0.fields.count == m }) else {
            throw ValidationError("\(url.path) must hold \(m) rows of \(m) numbers (an M x M covariance for M = \(m)), got \(file.lines.count) rows")
        }
        var values: [Double] = []
        values.reserveCapacity(m * m)
        for row in file.lines {
            for field in row.fields {
                do { values.append(try file.value(field, line: row.number)) } catch let bad as NumberFile.BadField {
                    throw ValidationError("\(url.path) holds entries that are not finite numbers of magnitude at most \(NumberFile.largestValue) (\(bad.located))")
                }
            }
        }
        return Matrix(rows: m, columns: m, elements: values)
    }
}
