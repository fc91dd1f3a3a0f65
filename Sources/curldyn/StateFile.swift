import ArgumentParser
import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// Saved network weights: a `#` header, a line "M N", the N rows of W1, then W2 on one line.
enum StateFile {
    static func render(_ w: TwoLayerWeights, command: String, seed: UInt64) -> String {
        var text = "# curldyn \(CurlDyn.version) network state (W1 rows, then W2)\n# blas: \(Provenance.escaped(BLASKernel.summary))\n"
            + "# command: \(Provenance.escaped(command))\n# seed: \(seed)\n"
        text += "\(w.w1.columns) \(w.w1.rows)\n"
        for i in 0..<w.w1.rows { text += w.w1.row(i).map { "\($0)" }.joined(separator: " ") + "\n" }
        text += w.w2.map { "\($0)" }.joined(separator: " ") + "\n"
        return text
    }

    /// The weights saved in `url` for a network of `shape`. Sizes must be exact integers equal to the shape and every
    /// weight a finite number of magnitude at most `NumberFile.largestValue`; anything else is refused (exit status
    /// 64) naming the file and the line.
    static func read(_ url: URL, shape: NetworkShape) throws -> TwoLayerWeights {
        let file = try NumberFile(url, kind: "state file")
        let (m, n) = (shape.inputs, shape.hidden)
        func wrongShape(_ reason: String) -> ValidationError { ValidationError("\(url.path) does not hold a \(m) -> \(n) network (\(reason))") }
        func invalid(_ reason: String) -> ValidationError {
            ValidationError("\(url.path) is not a valid state file (\(reason); expected the sizes \"\(m) \(n)\", \(n) rows of \(m) numbers, then \(n))")
        }
        guard let sizeLine = file.lines.first else { throw wrongShape("the file holds no numbers") }
        guard sizeLine.fields.count == 2 else {
            throw wrongShape("line \(sizeLine.number): expected the sizes \"M N\", got \(sizeLine.fields.count) fields")
        }
        let sizes: (Int, Int)
        do {
            sizes = (try file.size(sizeLine.fields[0], line: sizeLine.number, range: 1...Int(Int32.max)),
                     try file.size(sizeLine.fields[1], line: sizeLine.number, range: 1...Int(Int32.max)))
        } catch let bad as NumberFile.BadField { throw wrongShape(bad.located) }
        guard sizes == (m, n) else { throw wrongShape("line \(sizeLine.number): holds a \(sizes.0) -> \(sizes.1) network") }
        let rows = file.lines.dropFirst()
        guard rows.count == n + 1 else { throw invalid("\(rows.count) lines of weights instead of \(n + 1)") }
        var theta: [Double] = []
        theta.reserveCapacity(shape.parameterCount)
        do {
            for (k, row) in rows.enumerated() {
                let expected = k < n ? m : n
                guard row.fields.count == expected else {
                    throw file.error(line: row.number, "expected \(expected) numbers (\(k < n ? "row \(k + 1) of W1" : "W2")), got \(row.fields.count)")
                }
                for field in row.fields { theta.append(try file.value(field, line: row.number)) }
            }
        } catch let bad as NumberFile.BadField { throw invalid(bad.located) }
        return TwoLayerWeights(shape: shape, flattened: theta)
    }
}
