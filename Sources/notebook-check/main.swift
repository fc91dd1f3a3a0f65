import Foundation

// notebook-check: re-runs the commands of the notebooks-md pages and compares their output with the page.
//
// A page shows commands in ```console blocks as `$ B <arguments>` (B: the curldyn binary), each followed by the
// output lines it prints (a page may leave lines out; `data:`/`figure:` path lines usually are). Shell variables
// the commands use are set in ```sh blocks (`NAME="..."`). For every command the checker runs curldyn with those
// arguments in a scratch directory, then finds each shown line, in order, among the printed lines: the line
// whose text is the same once numbers are masked. Its numbers must agree:
// - within a relative tolerance `rtol` (default 1e-6), or
// - both at most `floor` in magnitude (default 1e-12): round-off, whose digits depend on the machine, or
// - not at all when a time unit follows them (s, ms, us, us/step, min, h): timings.
// A comment `<!-- check: rtol=0.01 floor=1e-10 -->` before a block sets the tolerances of that block and the
// ones after it; `<!-- check: skip -->` skips the next block (say why next to it).
//
// Usage: notebook-check --curldyn PATH PAGE.md...   Exit status 0 when every shown line is found and agrees.

struct Tolerance {
    var rtol = 1e-6
    var floor = 1e-12
}

struct Command {
    var page: String
    var line: Int
    var arguments: String
    var expected: [String]
    var tolerance: Tolerance
}

let numberPattern = try! NSRegularExpression(pattern: #"(?<![A-Za-z_])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"#)
let timeUnit = try! NSRegularExpression(pattern: #"^\s?(?:us/step|ms|us|µs|s|min|h)\b"#)

/// The line with its numbers masked, and the numbers (nil where a time unit follows: not compared).
func split(_ line: String) -> (skeleton: String, numbers: [Double?]) {
    let ns = line as NSString
    var skeleton = ""
    var numbers: [Double?] = []
    var last = 0
    for match in numberPattern.matches(in: line, range: NSRange(location: 0, length: ns.length)) {
        skeleton += ns.substring(with: NSRange(location: last, length: match.range.location - last)) + "#"
        let after = NSRange(location: match.range.upperBound, length: ns.length - match.range.upperBound)
        let timed = timeUnit.firstMatch(in: line, range: after) != nil
        numbers.append(timed ? nil : Double(ns.substring(with: match.range)))
        last = match.range.upperBound
    }
    skeleton += ns.substring(from: last)
    return (skeleton.trimmingCharacters(in: .whitespaces), numbers)
}

func agree(_ a: Double, _ b: Double, _ t: Tolerance) -> Bool {
    a == b || (abs(a) <= t.floor && abs(b) <= t.floor) || abs(a - b) <= t.rtol * max(abs(a), abs(b))
}

/// The commands of a page with their shown output and tolerances.
func commands(of page: String) throws -> (commands: [Command], variables: [String: String]) {
    let lines = try String(contentsOfFile: page, encoding: .utf8).components(separatedBy: "\n")
    var result: [Command] = []
    var variables: [String: String] = [:]
    var tolerance = Tolerance()
    var skipNext = false
    var block: String?
    for (k, line) in lines.enumerated() {
        if block == nil {
            if line.hasPrefix("<!-- check:") {
                for token in line.dropFirst("<!-- check:".count).replacingOccurrences(of: "-->", with: "").split(separator: " ") {
                    let parts = token.split(separator: "=")
                    if token == "skip" { skipNext = true }
                    if parts.count == 2, let x = Double(parts[1]) {
                        if parts[0] == "rtol" { tolerance.rtol = x }
                        if parts[0] == "floor" { tolerance.floor = x }
                    }
                }
            } else if line.hasPrefix("```") {
                block = String(line.dropFirst(3))
                if skipNext { block = "skipped"; skipNext = false }
            }
            continue
        }
        if line.hasPrefix("```") { block = nil; continue }
        if block == "sh", let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
            variables[String(line[..<eq])] = String(line[line.index(after: eq)...]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        } else if block == "console" {
            if line.hasPrefix("$ B ") {
                result.append(Command(page: page, line: k + 1, arguments: String(line.dropFirst(4)), expected: [], tolerance: tolerance))
            } else if !line.isEmpty, !result.isEmpty, result[result.count - 1].page == page {
                result[result.count - 1].expected.append(line)
            }
        }
    }
    return (result, variables)
}

/// Runs `curldyn` with `arguments` (variables expanded, words split as a shell would for these pages) in `directory`.
func run(_ curldyn: String, _ arguments: String, variables: [String: String], in directory: URL) throws -> (Int32, [String]) {
    var expanded = arguments
    for (name, value) in variables.sorted(by: { $0.key.count > $1.key.count }) { expanded = expanded.replacingOccurrences(of: "$" + name, with: value) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", "exec \"$0\" " + expanded, curldyn]
    process.currentDirectoryURL = directory
    let output = directory.appendingPathComponent(".stdout")
    _ = FileManager.default.createFile(atPath: output.path, contents: nil)
    let handle = try FileHandle(forWritingTo: output)
    process.standardOutput = handle
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    try handle.close()
    return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8).components(separatedBy: "\n"))
}

/// The problems of one command: shown lines not printed, or printed with other numbers.
func compare(_ command: Command, printed: [String]) -> [String] {
    var problems: [String] = []
    var from = 0
    for expected in command.expected {
        let want = split(expected)
        guard let k = printed[from...].firstIndex(where: { split($0).skeleton == want.skeleton }) else {
            problems.append("not printed: \(expected)")
            continue
        }
        let got = split(printed[k])
        for (a, b) in zip(want.numbers, got.numbers) {
            if let a, let b, !agree(a, b, command.tolerance) {
                problems.append("differs: page \(expected)\n           now  \(printed[k])")
                break
            }
        }
        from = k + 1
    }
    return problems
}

var arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 3, arguments[0] == "--curldyn" else {
    FileHandle.standardError.write(Data("usage: notebook-check --curldyn PATH PAGE.md...\n".utf8))
    exit(64)
}
let curldyn = URL(fileURLWithPath: arguments[1]).standardizedFileURL.path
arguments.removeFirst(2)
var failures = 0
var checked = 0
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("notebook-check-\(getpid())")
defer { try? FileManager.default.removeItem(at: scratch) }
for page in arguments {
    let (list, variables) = try commands(of: page)
    for command in list {
        try FileManager.default.createDirectory(at: scratch.appendingPathComponent("notebooks-md/img"), withIntermediateDirectories: true)
        let started = Date()
        let (status, printed) = try run(curldyn, command.arguments, variables: variables, in: scratch)
        var problems = status == 0 ? compare(command, printed: printed) : ["exit status \(status)"]
        if command.expected.isEmpty && status == 0 { problems = [] }
        checked += 1
        let seconds = String(format: "%.1f s", Date().timeIntervalSince(started))
        if problems.isEmpty {
            print("ok    \(page):\(command.line)  (\(seconds))  \(command.arguments.prefix(90))")
        } else {
            failures += 1
            print("FAIL  \(page):\(command.line)  (\(seconds))  \(command.arguments)")
            for p in problems { print("      \(p)") }
        }
    }
}
print("notebook-check: \(checked - failures) passed, \(failures) failed")
exit(failures == 0 ? 0 : 1)
