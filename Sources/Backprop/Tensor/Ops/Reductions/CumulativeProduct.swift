// cumulativeProduct(alongAxis:): running products along one axis, with a gradient that
// stays right (finite, exact) when elements are zero.

extension TensorOpKind {
    /// Running products along an axis.
    public static let cumulativeProduct = TensorOpKind(rawValue: "cumulativeProduct")
}

extension Tensor {
    /// Running products along `axis` (as `torch.cumprod`): element k is the product of
    /// elements 0…k. The gradient is computed without dividing by zero elements, so it is
    /// exact when elements are zero (∂y[i]/∂x[k] is the product of x[0…i] but x[k]).
    ///
    /// ```
    /// y[k] = Π_{i ≤ k} x[i]      ∂L/∂x[k] = Σ_{i ≥ k} ḡ[i]·Π_{j ≤ i, j ≠ k} x[j]
    /// ```
    /// Second derivatives are exact away from zeros (not at them).
    /// Precondition: `axis` in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func cumulativeProduct(alongAxis axis: Int, file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        if rank == 0 { tensorError("cumulativeProduct: needs rank ≥ 1, got a scalar", file: file, line: line) }
        let a = normalizedAxes([axis], "cumulativeProduct", file: file, line: line)[0]
        return CumulativeProduct<Scalar>(axis: a).apply([self], file: file, line: line)
    }
}

/// Running products along `axis`, the tensor viewed as `[outer, n, inner]`.
///
/// With z = [x = 0], x′ = x ⊙ (1 − z) + z (zeros replaced by 1), Y′ = cumprod(x′) and
/// C = cumsum(z) (zeros up to and including each position), all along the axis:
/// ```
/// x̄ = ((1 − z) ⊙ R₀ + z ⊙ [C = 1] ⊙ R₁) / x′,   Rₙ = reverse-cumsum(ḡ ⊙ Y′ ⊙ [C = n])
/// ```
/// (an element before the first zero gets the terms of the outputs before that zero; the
/// first zero gets those from it up to the second zero; later elements get 0). The masks
/// are recorded comparisons, so a compiled program recomputes them at each call.
struct CumulativeProduct<Scalar: TensorScalar>: TensorOperation {
    /// The (non-negative) axis.
    let axis: Int

    var kind: TensorOpKind { .cumulativeProduct }
    var listingName: String { "cumulativeProduct[axis \(axis)]" }
    var keyParameters: [Int]? { [axis] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let s = x[0].shape
        let outer = s[..<axis].reduce(1, *), n = s[axis], inner = s[(axis + 1)...].reduce(1, *)
        let out = Tensor<Scalar>.makeStorage(x[0].count) { o in
            x[0].storage.withUnsafeBufferPointer { p in
                for j in 0..<outer {
                    let base = j * n * inner
                    for k in 0..<n {
                        let row = base + k * inner
                        if k == 0 {
                            for i in 0..<inner { o[row + i] = p[row + i] }
                        } else {
                            for i in 0..<inner { o[row + i] = o[row - inner + i] * p[row + i] }
                        }
                    }
                }
            }
        }
        return Tensor(storage: out, shape: s, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let x = x[0]
        let z = x.isEqual(to: 0)
        let x1 = x * (1 - z) + z
        let gy = g * x1.cumulativeProduct(alongAxis: axis)
        let c = z.cumulativeSum(alongAxis: axis)
        let r0 = (gy * c.isEqual(to: 0)).cumulativeSum(alongAxis: axis, reverse: true)
        let r1 = (gy * c.isEqual(to: 1)).cumulativeSum(alongAxis: axis, reverse: true)
        return NodeGradients(((1 - z) * r0 + z * c.isEqual(to: 1) * r1) / x1)
    }

    func kernel(inputs x: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        let s = x[0]
        return .scan(product: true, reverse: false, outer: s[..<axis].reduce(1, *), count: s[axis],
                     inner: s[(axis + 1)...].reduce(1, *))
    }
}
