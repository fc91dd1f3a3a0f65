import Foundation
import NumericalKit
import Testing

// curldyn runs the OpenBLAS kernels that fit the CPU: when OpenBLAS loads a core of a lower tier than the CPU's, it
// relaunches itself once with OPENBLAS_CORETYPE set (BLASKernel). CURLDYN_BLAS_ASSUME_LOADED_CORE makes it act as
// if OpenBLAS had loaded a generic core, so the relaunch runs on any CPU with AVX2. The test process's own
// OPENBLAS_CORETYPE is blanked (an empty value is no choice, for OpenBLAS and curldyn alike).

@Suite("BLAS kernels, end to end")
struct BLASKernelCLITests {
    static let unset = ["OPENBLAS_CORETYPE": "", BLASKernel.selectionMarker: "", BLASKernel.assumedLoadedCore: ""]
    static let relaunch = unset.merging([BLASKernel.assumedLoadedCore: "Prescott"]) { $1 }
    static var cpuCore: String? { BLASKernel.tier(cpuFlags: BLASKernel.cpuFlags()).preferredCore }

    func blas(_ result: CLIResult) throws -> String {
        try #require(try parseJSONEnvelope(result.stdout)["blas"] as? String, "\(result)")
    }

    @Test("by default the kernels are of the CPU's tier, and every data file header names them")
    func defaultKernelFitsTheCPU() throws {
        try withSandbox { box in
            let result = try box.run(["stability", "-M", "6", "-N", "8", "--rule", "gd", "--json", "--out", box.out.path], environment: Self.unset)
            try #require(result.status == 0, "\(result)")
            let summary = try blas(result)
            let core = String(summary.prefix { $0 != " " })
            let cpu = BLASKernel.tier(cpuFlags: BLASKernel.cpuFlags())
            if let tier = BLASKernel.tier(ofCore: core) { #expect(tier >= cpu, "\(summary) on a CPU of tier \(cpu)") }
            let header = try String(contentsOf: box.out.appendingPathComponent("stability.dat"), encoding: .utf8)
            #expect(header.contains("\n# blas: \(summary)\n"), "\(header)")
        }
    }

    @Test("a generic core is replaced by one relaunch: same argv, same exit status, same data as the user asking for that core")
    func relaunchIsTransparent() throws {
        let core = try #require(Self.cpuCore, "this CPU has no AVX2: there is no better core to relaunch with")
        try withSandbox { box in
            let arguments = ["stability", "-M", "30", "-N", "40", "--rule", "gd", "curl", "--flip-hidden", "20", "--name", "a b", "--json"]
            let relaunched = try box.run(arguments + ["--out", box.root.appendingPathComponent("relaunched").path], environment: Self.relaunch)
            try #require(relaunched.status == 0, "\(relaunched)")
            #expect(try blas(relaunched).hasPrefix("\(core) (chosen by curldyn for this CPU; OpenBLAS detected Prescott)"), "\(relaunched)")
            let envelope = try parseJSONEnvelope(relaunched.stdout)
            #expect((envelope["command_line"] as? String)?.hasSuffix("--name 'a b' --json --out \(box.root.path)/relaunched") == true, "\(envelope)")

            let asked = try box.run(arguments + ["--out", box.root.appendingPathComponent("asked").path],
                                    environment: Self.unset.merging(["OPENBLAS_CORETYPE": core]) { $1 })
            try #require(asked.status == 0, "\(asked)")
            #expect(try blas(asked).hasPrefix("\(core) (set by OPENBLAS_CORETYPE)"))
            let data = { (directory: String) in try dataLines(of: box.root.appendingPathComponent(directory).appendingPathComponent("a b.dat")) }
            #expect(try data("relaunched") == data("asked"))

            let refused = try box.run(["stability", "-M", "0", "--out", box.out.path], environment: Self.relaunch)
            #expect(refused.status == 64 && refused.stderr.contains("must be positive"), "\(refused)")
        }
    }

    @Test("the user's OPENBLAS_CORETYPE is honoured and CURLDYN_BLAS_CORE_SELECTION=off keeps OpenBLAS's choice")
    func overridesAreHonoured() throws {
        try withSandbox { box in
            let arguments = ["stability", "-M", "6", "-N", "8", "--rule", "gd", "--json", "--out", box.out.path]
            let user = try box.run(arguments, environment: Self.relaunch.merging(["OPENBLAS_CORETYPE": "Prescott"]) { $1 })
            #expect(try blas(user).hasPrefix("Prescott (set by OPENBLAS_CORETYPE)"), "\(user)")
            let off = try box.run(arguments, environment: Self.relaunch.merging([BLASKernel.selectionSwitch: "off"]) { $1 })
            #expect(try blas(off).contains("(detected by OpenBLAS)"), "\(off)")
        }
    }

    /// The relaunch replaces the process image in place (execv): the pid the parent started runs the relaunched
    /// program, so its signals and exit status reach the parent directly, with no process in between. (SIGKILL: a
    /// child started from a test thread inherits that thread's blocked signals, TERM among them, relaunched or not.)
    @Test("the relaunched program keeps the pid its parent started, so a signal ends it and the parent sees that signal")
    func relaunchKeepsThePid() throws {
        try #require(Self.cpuCore != nil, "this CPU has no AVX2: there is no better core to relaunch with")
        try withSandbox { box in
            let process = Process()
            process.executableURL = try #require(curldynExecutable)
            process.arguments = ["integrate", "-M", "20", "-N", "40", "--train-size", "100", "--t-final", "1e6", "--no-plot", "--out", box.out.path]
            process.environment = ProcessInfo.processInfo.environment.merging(Self.relaunch) { $1 }
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            // The pid's environment (as exec'd) carries the marker once the relaunched image runs under it.
            let marker = Data("\(BLASKernel.selectionMarker)=".utf8)
            let relaunched = waitFor(30) {
                ((try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(process.processIdentifier)/environ"))) ?? Data())
                    .split(separator: 0).contains { $0.starts(with: marker) && $0.count > marker.count }
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            try #require(relaunched, "the process was never relaunched")
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        }
    }
}
