import Foundation

/// Who made a data file and how: the command line, the parameters, the seed, the toolkit version and the BLAS
/// kernels that ran (another kernel set can change the last bits of the numbers).
public struct Provenance: Sendable {
    public var tool: String
    public var version: String
    /// The BLAS kernels (OpenBLAS core and configuration, `BLASKernel.summary`), when known.
    public var blas: String?
    public var command: String
    public var parameters: [(String, String)]
    public var seed: UInt64?
    public var notes: [String]

    public init(tool: String, version: String, blas: String? = nil, command: String, parameters: [(String, String)], seed: UInt64?,
                notes: [String] = []) {
        self.tool = tool
        self.version = version
        self.blas = blas
        self.command = command
        self.parameters = parameters
        self.seed = seed
        self.notes = notes
    }

    /// The header lines (without "# "). Each line is one physical line whatever the values hold: newlines and
    /// other control characters are escaped (`\n`, `\t`, `\u{1b}`), and so is a backslash; in `parameters`
    /// a value's spaces are escaped too, so the line splits into key=value tokens at its spaces.
    public var lines: [String] {
        var lines = ["\(tool) \(version)", "command: \(Self.escaped(command))"]
        if let blas { lines.append("blas: \(Self.escaped(blas))") }
        if let seed { lines.append("seed: \(seed)") }
        lines.append("parameters: " + parameters.map { "\(Self.escaped($0.0, spaces: true))=\(Self.escaped($0.1, spaces: true))" }.joined(separator: " "))
        return lines + notes.map { Self.escaped($0) }
    }

    /// `text` with backslashes and control characters (and, if asked, spaces) written as escapes.
    public static func escaped(_ text: String, spaces: Bool = false) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case " " where spaces: out += "\\s"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar == "\u{2028}" || scalar == "\u{2029}":
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
