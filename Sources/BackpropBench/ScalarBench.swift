import Backprop

/// `backprop-bench scalar`: build + backward of a chain of scalar ops.
func runScalarBench(arguments: [String]) {
    print("scalar benchmark: not yet implemented")
}
