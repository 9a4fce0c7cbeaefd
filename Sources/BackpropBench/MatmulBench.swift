/// `backprop-bench matmul`: square matmul GFLOP/s (filled in with the tensor kernels).
func runMatmulBench(arguments: [String]) {
    print("matmul benchmark: not yet implemented")
}
