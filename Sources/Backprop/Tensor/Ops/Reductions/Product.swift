// product(alongAxes:): products of elements along axes, with a gradient that stays
// right (finite, exact) when elements are zero.

extension TensorOpKind {
    /// Products along axes.
    public static let product = TensorOpKind(rawValue: "product")
}

extension Tensor {
    /// The product of all elements, as a scalar tensor (1 for an empty tensor).
    ///
    /// ```
    /// y = Πᵢ xᵢ
    /// ```
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func product(file: StaticString = #fileID, line: UInt = #line) -> Tensor {
        product(alongAxes: Array(0..<rank), file: file, line: line)
    }

    /// Products along the given axes (negative axes count from the end), dropping them or
    /// keeping them with extent 1 (as `torch.prod`). The gradient of each element is the
    /// product of the others, computed without dividing by the element, so it is right
    /// when elements are zero: with one zero in a product, the zero's gradient is the
    /// product of the others and every other gradient is 0; with two or more, all are 0.
    ///
    /// ```
    /// y[j] = Π_{i ↦ j} x[i]      ∂y[j]/∂x[i] = Π_{i' ↦ j, i' ≠ i} x[i']
    /// ```
    /// Second derivatives are exact too (also at zeros); third and higher derivatives at
    /// a product holding zeros are not.
    /// Precondition: every axis is in `-rank..<rank`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func product(
        alongAxes axes: [Int], keepingDimensions: Bool = false, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let axes = normalizedAxes(axes, "product", file: file, line: line)
        return Product<Scalar>(axes: axes, keep: keepingDimensions).apply([self], file: file, line: line)
    }
}

/// The product over the (sorted, non-negative) `axes`.
///
/// With z = [x = 0], x′ = x ⊙ (1 − z) + z (zeros replaced by 1), P′ = Π x′, c = Σ z and
/// s = Σ z ⊙ x (0, but with derivative 1 in each zero), all over the axes:
/// ```
/// x̄ = ḡ ⊙ P′ ⊙ ( [c = 0] / x′  +  [c = 1]·(z + (1 − z) ⊙ s / x′)  +  [c = 2]·z ⊙ (s − z ⊙ x) )
/// ```
/// which is Π_{others} x in value (one zero: P′ at the zero, 0 elsewhere; two or more:
/// 0), and whose derivative is the product's second derivative, also at zeros (the s
/// terms carry the derivative in a zero element). The masks are recorded comparisons, so a
/// compiled program recomputes them at each call.
struct Product<Scalar: TensorScalar>: TensorOperation {
    let axes: [Int]
    let keep: Bool

    var kind: TensorOpKind { .product }
    var listingName: String { "product[axes \(axes)]" }
    var keyParameters: [Int]? { axes + [keep ? 1 : 0] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let shape = x[0].shape
        var keptShape = shape
        for a in axes { keptShape[a] = 1 }
        let outShape = keep ? keptShape : shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
        var out = TensorStorage<Scalar>(repeating: 1, count: keptShape.reduce(1, *))
        let loop = kernelLoop(inputs: [shape], shape: outShape)!
        out.withUnsafeMutableBufferPointer { o in
            x[0].storage.withUnsafeBufferPointer { p in
                if let base = p.baseAddress { TensorProgram<Scalar>.reduceProduct(base, o, loop) }
            }
        }
        return Tensor(storage: out, shape: outShape, node: nil)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        let x = x[0]
        let z = x.isEqual(to: 0)
        let x1 = x * (1 - z) + z
        let p1 = x1.product(alongAxes: axes, keepingDimensions: true)
        let c = z.sum(alongAxes: axes, keepingDimensions: true)
        let s = (z * x).sum(alongAxes: axes, keepingDimensions: true)
        let noZero = c.isEqual(to: 0), oneZero = c.isEqual(to: 1), twoZeros = c.isEqual(to: 2)
        let share = noZero / x1 + oneZero * (z + (1 - z) * s / x1) + twoZeros * z * (s - z * x)
        return NodeGradients(restoreReducedAxes(g, axes: axes, keep: keep, inputShape: x.shape) * p1 * share)
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? { .product }

    func kernelLoop(inputs x: [[Int]], shape: [Int]) -> OperandLoop? {
        var keptShape = x[0]
        for a in axes { keptShape[a] = 1 }
        var strides = contiguousStrides(keptShape)
        for a in axes { strides[a] = 0 }
        return OperandLoop(shape: x[0], contiguousStrides(x[0]), strides)
    }
}

extension TensorProgram {
    /// The loop of `product(alongAxes:)`, eager and compiled: every result element starts
    /// at 1 and is multiplied by its inputs in row-major order, the input read
    /// through `loop` (its own strides, then the result's, 0 along the reduced axes).
    ///
    /// ```
    /// out[Σₖ iₖ·outStrides[k]] ·= x[i]
    /// ```
    static func reduceProduct(_ x: UnsafePointer<Scalar>, _ out: UnsafeMutableBufferPointer<Scalar>, _ loop: OperandLoop) {
        out.update(repeating: 1)
        let n = loop.runLength, (_, so, _) = loop.runStrides
        guard let base = out.baseAddress else { return }
        loop.forEachRun { ix, io, _, _ in
            let (src, dst) = (x + ix, base + io)
            if so == 0 {
                var p = dst[0]
                for j in 0..<n { p *= src[j] }
                dst[0] = p
            } else {
                for j in 0..<n { dst[j &* so] *= src[j] }
            }
        }
    }
}
