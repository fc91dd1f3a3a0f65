/// A JSON document as a value, rendered with sorted keys and two-space indentation so that the same
/// result always prints the same bytes. Numbers print in Swift's shortest round-trip form; JSON has no
/// NaN or infinity, so a NaN is `null` (no value) and an infinity the string `"inf"` or `"-inf"`.
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case unsigned(UInt64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The document's text, pretty-printed, without a final newline.
    public func rendered() -> String {
        var out = ""
        write(to: &out, indent: 0)
        return out
    }

    private func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .integer(let i): out += "\(i)"
        case .unsigned(let u): out += "\(u)"
        case .number(let x):
            if x.isNaN { out += "null" } else if x.isInfinite { out += x > 0 ? "\"inf\"" : "\"-inf\"" } else { out += "\(x)" }
        case .string(let s): out += Self.quoted(s)
        case .array(let values):
            guard !values.isEmpty else { out += "[]"; return }
            out += "[\n"
            for (k, v) in values.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                v.write(to: &out, indent: indent + 2)
                out += k + 1 < values.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members):
            guard !members.isEmpty else { out += "{}"; return }
            out += "{\n"
            let keys = members.keys.sorted()
            for (k, key) in keys.enumerated() {
                out += String(repeating: " ", count: indent + 2) + Self.quoted(key) + ": "
                members[key]!.write(to: &out, indent: indent + 2)
                out += k + 1 < keys.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
