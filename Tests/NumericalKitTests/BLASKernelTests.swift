import NumericalKit
import Testing

/// The choice of OpenBLAS kernels (`BLASKernel`): which core the CPU calls for, and when curldyn relaunches.
@Suite("BLAS kernel selection")
struct BLASKernelTests {
    static let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
    static let avx2: Set<String> = ["sse3", "avx", "avx2", "fma"]

    @Test("the CPU tier follows its flags: AVX-512 needs F, CD, BW, DQ and VL; AVX2 needs FMA too")
    func cpuTier() {
        #expect(BLASKernel.tier(cpuFlags: Self.avx512) == .avx512)
        #expect(BLASKernel.tier(cpuFlags: Self.avx512.subtracting(["avx512bw"])) == .avx2, "Knights Landing has F and CD but no BW")
        #expect(BLASKernel.tier(cpuFlags: Self.avx2) == .avx2)
        #expect(BLASKernel.tier(cpuFlags: ["avx", "avx2"]) == .avx, "AVX2 without FMA")
        #expect(BLASKernel.tier(cpuFlags: ["sse3"]) == .sse)
        #expect(BLASKernel.tier(cpuFlags: []) == .sse)
    }

    @Test("cpuinfo flags are read from the first processor's flags line")
    func cpuinfoFlags() {
        let text = "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse3 avx2 fma avx512f\nbugs\t\t: none\n\nprocessor\t: 1\nflags\t\t: fpu\n"
        #expect(BLASKernel.cpuFlags(cpuinfo: text) == ["fpu", "sse3", "avx2", "fma", "avx512f"])
        #expect(BLASKernel.cpuFlags(cpuinfo: "no flags here") == [])
        #expect(BLASKernel.cpuFlags(cpuinfo: nil) == [])
    }

    @Test("a generic core on a better CPU is replaced by that CPU's core", arguments: [
        ("Prescott", avx512, "SkylakeX"), ("Prescott", avx2, "Haswell"), ("Nehalem", avx512, "SkylakeX"), ("Sandybridge", avx2, "Haswell"),
        ("Haswell", avx512, "SkylakeX"), ("zen", avx512, "SkylakeX"),
    ])
    func genericCoreIsUpgraded(loaded: String, flags: Set<String>, expected: String) {
        #expect(BLASKernel.coreToRelaunchWith(loadedCore: loaded, cpuFlags: flags, environment: [:]) == expected)
    }

    @Test("a core that fits the CPU, or one curldyn does not know, is kept", arguments: [
        ("SkylakeX", avx512), ("Cooperlake", avx512), ("SapphireRapids", avx512), ("Haswell", avx2), ("Zen", avx2),
        ("Prescott", Set<String>(["sse3", "avx"])), ("NeoverseN1", avx512), ("", avx512),
    ])
    func fittingOrUnknownCoreIsKept(loaded: String, flags: Set<String>) {
        #expect(BLASKernel.coreToRelaunchWith(loadedCore: loaded, cpuFlags: flags, environment: [:]) == nil)
    }

    @Test("the user's OPENBLAS_CORETYPE, the off switch and an earlier relaunch each prevent a relaunch")
    func environmentPreventsRelaunch() {
        let choose = { (environment: [String: String]) in
            BLASKernel.coreToRelaunchWith(loadedCore: "Prescott", cpuFlags: Self.avx512, environment: environment)
        }
        #expect(choose([:]) == "SkylakeX")
        #expect(choose(["OPENBLAS_CORETYPE": ""]) == "SkylakeX", "an empty OPENBLAS_CORETYPE is no choice (OpenBLAS ignores it too)")
        #expect(choose(["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        #expect(choose([BLASKernel.selectionSwitch: "off"]) == nil)
        #expect(choose([BLASKernel.selectionSwitch: "OFF"]) == nil)
        #expect(choose([BLASKernel.selectionSwitch: "auto"]) == "SkylakeX")
        #expect(choose([BLASKernel.selectionMarker: "SkylakeX from Prescott"]) == nil, "the relaunched process never relaunches again")
        #expect(choose([BLASKernel.selectionMarker: "", BLASKernel.selectionSwitch: ""]) == "SkylakeX", "empty values count as unset")
    }
}
