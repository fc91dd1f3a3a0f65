import Foundation
import GnuplotIO
import LearningDynamics
import NumericalKit

/// Saved network weights: a `#` header, a line "M N", the N rows of W1, then W2 on one line.
enum StateFile {
    static func render(_ w: TwoLayerWeights, command: String, seed: UInt64) -> String {
        var text = "# curldyn \(CurlDyn.version) network state (W1 rows, then W2)\n# command: \(Provenance.escaped(command))\n# seed: \(seed)\n"
        text += "\(w.w1.columns) \(w.w1.rows)\n"
        for i in 0..<w.w1.rows { text += w.w1.row(i).map { "\($0)" }.joined(separator: " ") + "\n" }
        text += w.w2.map { "\($0)" }.joined(separator: " ") + "\n"
        return text
    }

    static func read(_ url: URL, shape: NetworkShape) throws -> TwoLayerWeights {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw CommandFailure("cannot read the state file \(url.path)") }
        let lines = text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }
        let numbers = lines.map { $0.split(separator: " ").map { Double($0) } }
        guard let sizes = numbers.first, sizes.count == 2, let m = sizes[0], let n = sizes[1], Int(m) == shape.inputs, Int(n) == shape.hidden else {
            throw CommandFailure("\(url.path) does not hold a \(shape.inputs) -> \(shape.hidden) network")
        }
        let values = numbers.dropFirst()
        guard values.count == shape.hidden + 1, values.dropLast().allSatisfy({ $0.count == shape.inputs }), values.last!.count == shape.hidden,
              let theta = Optional(values.flatMap { $0 }), theta.allSatisfy({ $0?.isFinite == true }) else {
            throw CommandFailure("\(url.path) is not a valid state file (expected \(shape.hidden) rows of \(shape.inputs) numbers, then \(shape.hidden))")
        }
        return TwoLayerWeights(shape: shape, flattened: theta.map { $0! })
    }
}
