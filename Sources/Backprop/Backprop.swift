// Backprop: the graph engine.
//
// - `Value`: a scalar reverse-mode graph node (Double), for teaching and checking.
// - `Tensor`: n-dimensional reverse mode, generic over Float and Double.
// - Gradient checking against central differences.
