// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "CurlDynamics",
    products: [
        .executable(name: "curldyn", targets: ["curldyn"]),
        .executable(name: "notebook-check", targets: ["notebook-check"]),
        .library(name: "NumericalKit", targets: ["NumericalKit"]),
        .library(name: "StudentTeacherCore", targets: ["StudentTeacherCore"]),
        .library(name: "LearningDynamics", targets: ["LearningDynamics"]),
        .library(name: "GnuplotIO", targets: ["GnuplotIO"]),
        .library(name: "CurlTheory", targets: ["CurlTheory"]),
        .library(name: "NodePerturbation", targets: ["NodePerturbation"]),
        .library(name: "Studies", targets: ["Studies"]),
        .library(name: "SoftCommitteeMachine", targets: ["SoftCommitteeMachine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // MARK: - C libraries (system)
        // GSL linked against OpenBLAS for its CBLAS (not Debian's slow libgslcblas).
        .systemLibrary(name: "CGSL", providers: [.apt(["libgsl-dev", "libopenblas-dev"])]),
        // LAPACKE for large eigenproblems (OpenBLAS provides liblapack.so.3).
        .systemLibrary(name: "CLAPACKE", providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        // Small fused kernels for the minibatch hot loop (gathered-row products, vector tanh), compiled for
        // AVX-512, AVX2 and baseline x86-64 and chosen at load.
        // Always optimised: they replace BLAS calls, which are optimised in debug builds too.
        .target(name: "CSmallKernels", cSettings: [.unsafeFlags(["-O2"])]),

        // MARK: - Library modules
        // Numerics over GSL/BLAS/LAPACK: matrices, ODEs, eigenvalues, polynomials, random streams.
        // Knows nothing of networks.
        .target(
            name: "NumericalKit",
            dependencies: [
                "CGSL", "CLAPACKE", "CSmallKernels",
                .product(name: "ComplexModule", package: "swift-numerics"),
                .product(name: "RealModule", package: "swift-numerics"),
            ]
        ),
        // The student-teacher core under both papers: one network type (MLP, the two-layer weights a view of it),
        // one activation type, one sign-matrix type, the stability matrix K, the parameter error, and the stream
        // registry's id ranges. Knows nothing of either paper's learning rules or estimators.
        .target(name: "StudentTeacherCore", dependencies: ["NumericalKit"]),
        // Student-teacher learning dynamics. Knows nothing of files.
        .target(name: "LearningDynamics", dependencies: [
            "NumericalKit", "StudentTeacherCore", .product(name: "ComplexModule", package: "swift-numerics"), .product(name: "RealModule", package: "swift-numerics"),
        ]),
        // Studies: grids of cells, the sweep engine (cell seeds, parallel cells, checkpoints, shards) and the
        // paper figures as recipes (cells, per-cell computation, reductions, tables, figure description).
        .target(name: "Studies", dependencies: ["NumericalKit", "LearningDynamics", "CurlTheory", "NodePerturbation", "SoftCommitteeMachine", "StudentTeacherCore",
                                                .product(name: "ComplexModule", package: "swift-numerics")]),
        // Gnuplot data files (written as sets, with provenance headers), rendering, and the one output path.
        .target(name: "GnuplotIO", dependencies: ["Studies"]),
        // Random-matrix theory of curl descent: phase boundaries, limiting spectra, finite-size checks.
        .target(name: "CurlTheory", dependencies: ["NumericalKit", "StudentTeacherCore"]),
        // The soft committee machine as N -> infinity: order-parameter ODEs for gradient descent, curl descent and
        // feedback alignment, their fixed points, and a direct online-SGD simulation to check them.
        .target(name: "SoftCommitteeMachine", dependencies: ["NumericalKit", "StudentTeacherCore"], exclude: ["DERIVATION.md"]),
        // Node perturbation and LOCO: gradient estimators, orthogonal projections, their variance (loco.md).
        .target(name: "NodePerturbation", dependencies: ["NumericalKit", "StudentTeacherCore"]),

        // MARK: - Command-line tool
        .executableTarget(
            name: "curldyn",
            dependencies: [
                "NumericalKit", "StudentTeacherCore", "LearningDynamics", "CurlTheory", "NodePerturbation", "Studies", "GnuplotIO", "SoftCommitteeMachine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Re-runs the notebooks-md pages' commands and compares their output with the pages (make check-notebooks).
        .executableTarget(name: "notebook-check"),

        // MARK: - Tests
        .testTarget(
            name: "NumericalKitTests",
            dependencies: ["NumericalKit", "CGSL", .product(name: "ComplexModule", package: "swift-numerics")]
        ),
        .testTarget(name: "StudentTeacherCoreTests", dependencies: ["StudentTeacherCore", "NumericalKit"]),
        .testTarget(name: "LearningDynamicsTests", dependencies: ["LearningDynamics", "NumericalKit"]),
        .testTarget(name: "NodePerturbationTests", dependencies: ["NodePerturbation", "NumericalKit"]),
        .testTarget(name: "CLITests", dependencies: ["curldyn", "notebook-check", "GnuplotIO"]),
        .testTarget(name: "SoftCommitteeMachineTests", dependencies: ["SoftCommitteeMachine", "NumericalKit", "LearningDynamics"]),
        .testTarget(name: "CurlTheoryTests", dependencies: ["CurlTheory", "NumericalKit", "StudentTeacherCore"]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "LearningDynamics", "NumericalKit", "CurlTheory", "NodePerturbation", "SoftCommitteeMachine", "StudentTeacherCore"]),
    ]
)
