import Foundation
import GnuplotIO
import Testing

/// Line titles reach gnuplot's TITLES array unchanged, whatever characters they hold.
@Test func lineTitlesReachGnuplotVerbatim() throws {
    let titles = ["curl (K1=0, K2=99)", "a \"quoted\" title; with a semicolon", "back\\slash", "plain"]
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curldyn-titles-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    // The "figure" is a text file holding the titles gnuplot received, one per line.
    let script = dir.appendingPathComponent("echo_titles.gp")
    try "set print ARG1\ndo for [k=1:|TITLES|] { print TITLES[k] }\nunset print\n".write(to: script, atomically: true, encoding: .utf8)
    let output = dir.appendingPathComponent("titles.txt")
    try Gnuplot.render(script: script, arguments: [], titles: titles, output: output)
    let received = try String(contentsOf: output, encoding: .utf8).split(separator: "\n").map(String.init)
    #expect(received == titles)
}
