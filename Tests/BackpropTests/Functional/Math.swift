import Foundation

// Foundation's functions under names that the `Tensor` and `Value` methods do not shadow.
func Foundation_tanh(_ x: Double) -> Double { tanh(x) }
func Foundation_tanhf(_ x: Float) -> Float { tanhf(x) }
func Foundation_sin(_ x: Double) -> Double { sin(x) }
func Foundation_cos(_ x: Double) -> Double { cos(x) }
