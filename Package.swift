// swift-tools-version:6.0
// Backprop: reverse-mode automatic differentiation in Swift.
//
// Layers, each using only the public API of the one below:
//   CBackpropKernels (C: SIMD kernels, thread-local flags)
//   → Backprop          (graph engine: Value, Tensor, op rules, backward, gradient checking)
//   → BackpropNN        (layers, losses, optimisers, training, data)
//   → BackpropTeaching  (explanations, walkthroughs of the lecture examples)
//   → BackpropCommand   (the command, as a library)     backprop-bench (benchmarks)
//   → backprop          (the command's thin main)
// Tests: one target per module, BackpropTestSupport (helpers shared by them), and
// DocExampleTests (the ```swift blocks of README.md and Docs/*.md, via the DocExamples plugin).
import PackageDescription

let package = Package(
    name: "Backprop",
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropNN", targets: ["BackpropNN"]),
        .library(name: "BackpropTeaching", targets: ["BackpropTeaching"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
        .executable(name: "backprop-bench", targets: ["BackpropBench"]),
    ],
    targets: [
        .target(name: "CBackpropKernels"),
        .target(name: "Backprop", dependencies: ["CBackpropKernels"]),
        .target(
            name: "BackpropNN", dependencies: ["Backprop"],
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/digits.csv"), .copy("Resources/census-1990-female-first.txt"),
                        .copy("Resources/census-1990-male-first.txt")]),
        .target(name: "BackpropTeaching", dependencies: ["Backprop", "BackpropNN"]),
        .target(name: "BackpropCommand", dependencies: ["Backprop", "BackpropNN", "BackpropTeaching"]),
        .executableTarget(name: "BackpropCLI", dependencies: ["BackpropCommand"]),
        .executableTarget(name: "BackpropBench", dependencies: ["Backprop", "BackpropNN", "CBackpropKernels"]),
        // Shared by the test targets only: approximate equality, the in-process command runner.
        .target(name: "BackpropTestSupport", dependencies: ["Backprop", "BackpropNN", "BackpropCommand"],
                path: "Tests/BackpropTestSupport"),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop", "BackpropTestSupport"]),
        .testTarget(name: "BackpropNNTests", dependencies: ["BackpropNN", "Backprop", "BackpropTestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "BackpropTeachingTests", dependencies: ["BackpropTeaching", "BackpropNN", "Backprop", "BackpropTestSupport"]),
        // Every ```swift block of README.md and Docs/*.md, extracted into a test by the plugin.
        .executableTarget(name: "DocExampleExtractor"),
        .plugin(name: "DocExamples", capability: .buildTool(), dependencies: ["DocExampleExtractor"]),
        .testTarget(name: "DocExampleTests", dependencies: ["Backprop", "BackpropNN", "BackpropTeaching"],
                    plugins: ["DocExamples"]),
    ]
)
