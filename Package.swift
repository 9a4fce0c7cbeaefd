// swift-tools-version:6.0
// Backprop: reverse-mode automatic differentiation in Swift.
//
// Layers, each using only the public API of the one below:
//   CBackpropKernels (C: SIMD kernels, thread-local flags)
//   → Backprop          (graph engine: Value, Tensor, op rules, backward, gradient checking)
//   → BackpropNN        (layers, losses, optimisers, training, data)
//   → BackpropTeaching  (explanations, walkthroughs of the lecture examples)
//   → backprop          (the command)     backprop-bench (benchmarks)
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
            resources: [.copy("Resources/digits.csv")]),
        .target(name: "BackpropTeaching", dependencies: ["Backprop", "BackpropNN"]),
        .executableTarget(name: "BackpropCLI", dependencies: ["Backprop", "BackpropNN", "BackpropTeaching"]),
        .executableTarget(name: "BackpropBench", dependencies: ["Backprop", "BackpropNN", "CBackpropKernels"]),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop"]),
        .testTarget(name: "BackpropNNTests", dependencies: ["BackpropNN", "Backprop"], exclude: ["Fixtures"]),
        .testTarget(name: "BackpropTeachingTests", dependencies: ["BackpropTeaching", "BackpropNN", "Backprop"]),
    ]
)
