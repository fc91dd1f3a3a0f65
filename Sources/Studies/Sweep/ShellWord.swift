import Foundation

/// Shell quoting for the command lines this toolkit writes (provenance headers, batch scripts).
public enum ShellWord {
    /// `word` as one shell word: bare when it holds only letters, digits and `-_./=:,+@%`, else single-quoted,
    /// so the line can be pasted back into a shell.
    public static func quoted(_ word: String) -> String {
        let plain = word.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_./=:,+@%".unicodeScalars.contains($0) }
        return plain && !word.isEmpty ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
