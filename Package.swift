// swift-tools-version:6.0
// Backprop: reverse-mode automatic differentiation in Swift.
//
// Layers, each using only the public API of the one below:
//   CBackpropKernels (C: SIMD kernels, thread-local flags)
//   → Backprop          (graph engine: Value, Tensor, op rules, backward, gradient checking)
//   → BackpropTeaching  (explanations, walkthroughs of the lecture examples)
//   → backprop          (the command)     backprop-bench (benchmarks)
import PackageDescription

let package = Package(
    name: "Backprop",
    products: [
        .library(name: "Backprop", targets: ["Backprop"]),
        .library(name: "BackpropTeaching", targets: ["BackpropTeaching"]),
        .executable(name: "backprop", targets: ["BackpropCLI"]),
        .executable(name: "backprop-bench", targets: ["BackpropBench"]),
    ],
    targets: [
        .target(name: "CBackpropKernels"),
        .target(name: "Backprop", dependencies: ["CBackpropKernels"]),
        .target(name: "BackpropTeaching", dependencies: ["Backprop"]),
        .executableTarget(name: "BackpropCLI", dependencies: ["Backprop", "BackpropTeaching"]),
        .executableTarget(name: "BackpropBench", dependencies: ["Backprop"]),
        .testTarget(name: "BackpropTests", dependencies: ["Backprop"]),
        .testTarget(name: "BackpropTeachingTests", dependencies: ["BackpropTeaching", "Backprop"]),
    ]
)
