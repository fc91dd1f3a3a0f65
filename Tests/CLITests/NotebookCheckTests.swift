import Foundation
import Testing

/// `notebook-check`, the checker CI runs over notebooks-md: it must pass a page that matches and fail one that does not.
@Suite("notebook-check")
struct NotebookCheckTests {
    func check(_ page: String, in box: Sandbox) throws -> CLIResult {
        let checker = try #require(curldynExecutable).deletingLastPathComponent().appendingPathComponent("notebook-check")
        let url = box.root.appendingPathComponent("page.md")
        try page.write(to: url, atomically: true, encoding: .utf8)
        return try box.run(["--curldyn", try #require(curldynExecutable).path, url.path], executable: checker)
    }

    static let page = """
        ```sh
        GRID="--c-points 10 --alpha-points 10"
        ```

        ```console
        $ B critical --layer hidden --c 0.3 --no-plot --out notebooks-md/img
        c = 0.3        alpha_h^c = %@
        $ B phase-diagram $GRID --no-plot --out notebooks-md/img
        hidden layer: 10 x 10 theory grid in 9.999 s (12345 us per point)
        ```
        """

    @Test("a page whose numbers match passes; timings are not compared; variables from sh blocks are expanded")
    func matchingPagePasses() throws {
        try withSandbox { box in
            let result = try check(Self.page.replacingOccurrences(of: "%@", with: "0.55850"), in: box)
            #expect(result.status == 0 && result.stdout.contains("2 passed, 0 failed"), "\(result)")
        }
    }

    @Test("a page with another number, or a line the command does not print, fails with exit 1 and says which")
    func differingPageFails() throws {
        try withSandbox { box in
            let wrong = try check(Self.page.replacingOccurrences(of: "%@", with: "0.55860"), in: box)
            #expect(wrong.status == 1 && wrong.stdout.contains("differs") && wrong.stdout.contains("1 passed, 1 failed"), "\(wrong)")
            let missing = try check(Self.page.replacingOccurrences(of: "alpha_h^c = %@", with: "alpha_r^c = 0.55850"), in: box)
            #expect(missing.status == 1 && missing.stdout.contains("not printed"), "\(missing)")
        }
    }

    @Test("tolerances from a check comment: round-off below the floor agrees, and rtol widens the match")
    func toleranceCommentApplies() throws {
        try withSandbox { box in
            let loose = "<!-- check: rtol=1e-3 -->\n" + Self.page.replacingOccurrences(of: "%@", with: "0.55860")
            let result = try check(loose, in: box)
            #expect(result.status == 0, "\(result)")
        }
    }
}
