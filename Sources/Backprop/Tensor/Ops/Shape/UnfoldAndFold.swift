import CBackpropKernels

// unfolded / folded: the k×k patches of an image batch as rows (im2col), and patches
// summed back into images (col2im); each is the other's adjoint.

extension Tensor {
    /// The `k × k` patches of a batch of images `[N, C, H, W]`, taken every `stride` steps
    /// over the image padded with `padding` zeros on each side, one patch per row
    /// (im2col): the result is `[N, H', W', C·k·k]`, each row ordered channel, patch row,
    /// patch column. A convolution is then one matrix product with the filters
    /// `[outputChannels, C·k·k]`.
    ///
    /// ```
    /// y[n, i, j, (c·k + u)·k + v] = x̂[n, c, s·i + u, s·j + v]      x̂ = x with p zeros around
    /// H' = ⌊(H + 2p − k) / s⌋ + 1   (W' likewise)                 ∂L/∂x = folded(ḡ)
    /// ```
    /// Precondition: rank 4, `kernelSize ≥ 1`, `stride ≥ 1`, `padding ≥ 0`, and the padded
    /// image is at least `kernelSize` on each side.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func unfolded(
        kernelSize: Int, stride: Int = 1, padding: Int = 0, file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let geometry = PatchGeometry(imageShape: shape, kernel: kernelSize, stride: stride, padding: padding,
                                     name: "unfolded", file: file, line: line)
        return Unfold<Scalar>(geometry: geometry, isFold: false).apply([self], file: file, line: line)
    }

    /// Patch rows `[N, H', W', C·k·k]` (as made by `unfolded`) summed back into images of
    /// `imageShape` `[N, C, H, W]` (col2im): each element adds into the image position its
    /// patch read; positions in the padding are dropped. The adjoint of `unfolded`.
    ///
    /// ```
    /// y[n, c, h, w] = Σ_{s·i + u − p = h, s·j + v − p = w} x[n, i, j, (c·k + u)·k + v]
    /// ∂L/∂x = unfolded(ḡ)
    /// ```
    /// Precondition: as for `unfolded`, and this tensor is `[N, H', W', C·k·k]`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func folded(
        imageShape: [Int], kernelSize: Int, stride: Int = 1, padding: Int = 0,
        file: StaticString = #fileID, line: UInt = #line
    ) -> Tensor {
        let geometry = PatchGeometry(imageShape: imageShape, kernel: kernelSize, stride: stride, padding: padding,
                                     name: "folded", file: file, line: line)
        if shape != geometry.patchShape {
            tensorError("folded: patches of shape \(shape) do not match \(geometry.patchShape) for images \(imageShape)",
                        file: file, line: line)
        }
        return Unfold<Scalar>(geometry: geometry, isFold: true).apply([self], file: file, line: line)
    }
}

extension TensorOpKind {
    /// Image patches as rows (im2col) and their adjoint (col2im).
    public static let unfold = TensorOpKind(rawValue: "unfold"), fold = TensorOpKind(rawValue: "fold")
}

/// The sizes of an image batch and of its `k × k` patches.
///
/// ```
/// images [N, C, H, W]  ↔  patches [N, H', W', C·k²],   H' = ⌊(H + 2p − k)/s⌋ + 1
/// ```
struct PatchGeometry: Hashable {
    let batch: Int, channels: Int, height: Int, width: Int
    let kernel: Int, stride: Int, padding: Int
    let outHeight: Int, outWidth: Int

    /// Checks the arguments, naming the caller (`name`) and the user's line.
    init(imageShape s: [Int], kernel k: Int, stride: Int, padding p: Int, name: String, file: StaticString, line: UInt) {
        if s.count != 4 {
            tensorError("\(name): images must be [batch, channels, height, width], got shape \(s)", file: file, line: line)
        }
        if k < 1 || stride < 1 || p < 0 {
            tensorError("\(name): kernel size \(k) and stride \(stride) must be ≥ 1 and padding \(p) ≥ 0", file: file, line: line)
        }
        if s[2] + 2 * p < k || s[3] + 2 * p < k {
            tensorError("\(name): a \(s[2])×\(s[3]) image with padding \(p) is smaller than the \(k)×\(k) kernel",
                        file: file, line: line)
        }
        (batch, channels, height, width) = (s[0], s[1], s[2], s[3])
        (kernel, self.stride, padding) = (k, stride, p)
        outHeight = (height + 2 * p - k) / stride + 1
        outWidth = (width + 2 * p - k) / stride + 1
    }

    /// `[N, C, H, W]`.
    var imageShape: [Int] { [batch, channels, height, width] }
    /// `[N, H', W', C·k²]`.
    var patchShape: [Int] { [batch, outHeight, outWidth, channels * kernel * kernel] }
    /// The parameters as integers (for the op's key).
    var key: [Int] { [batch, channels, height, width, kernel, stride, padding] }

    /// Copies every patch into its row (`fold` false), or adds every row back into the
    /// images (`fold` true; `images` must start at zero), through the C loops of
    /// `bp_patches.h` (Float and Double, the element types with C kernels).
    ///
    /// ```
    /// unfold: rows[n, i, j, (c·k + u)·k + v] = x̂[n, c, s·i + u, s·j + v]
    /// fold:   x[n, c, s·i + u − p, s·j + v − p] += rows[n, i, j, (c·k + u)·k + v]
    /// ```
    @inline(__always)
    func run<T: TensorScalar>(images: UnsafeMutablePointer<T>, rows: UnsafeMutablePointer<T>, fold: Bool) {
        let (x, r) = (UnsafeMutableRawPointer(images), UnsafeMutableRawPointer(rows))
        // The geometry on the stack: a compiled program runs this at every run, without
        // allocating.
        withUnsafeTemporaryAllocation(of: Int64.self, capacity: 9) { g in
            (g[0], g[1], g[2], g[3]) = (Int64(batch), Int64(channels), Int64(height), Int64(width))
            (g[4], g[5], g[6], g[7], g[8]) = (Int64(kernel), Int64(stride), Int64(padding), Int64(outHeight), Int64(outWidth))
            if T.self == Float.self {
                let (x, r) = (x.assumingMemoryBound(to: Float.self), r.assumingMemoryBound(to: Float.self))
                if fold { bp_fold_f32(x, r, g.baseAddress) } else { bp_unfold_f32(x, r, g.baseAddress) }
            } else {
                precondition(T.self == Double.self, "image patches: no C kernel for \(T.self)")
                let (x, r) = (x.assumingMemoryBound(to: Double.self), r.assumingMemoryBound(to: Double.self))
                if fold { bp_fold_f64(x, r, g.baseAddress) } else { bp_unfold_f64(x, r, g.baseAddress) }
            }
        }
    }
}

/// Image patches as rows (`isFold` false: images → patches, im2col) or patch rows summed
/// into images (`isFold` true: col2im). Both are linear, and each is the other's adjoint.
///
/// ```
/// unfold:  y = U x      x̄ = Uᵀ ḡ = fold(ḡ)
/// fold:    y = Uᵀ x     x̄ = U ḡ = unfold(ḡ)
/// ```
struct Unfold<Scalar: TensorScalar>: TensorOperation {
    let geometry: PatchGeometry
    let isFold: Bool

    var kind: TensorOpKind { isFold ? .fold : .unfold }
    var listingName: String { "\(kind.rawValue)[k \(geometry.kernel), stride \(geometry.stride), padding \(geometry.padding)]" }
    var keyParameters: [Int]? { geometry.key + [isFold ? 1 : 0] }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    func forward(_ x: [Tensor<Scalar>]) -> Tensor<Scalar> {
        let shape = isFold ? geometry.imageShape : geometry.patchShape
        let n = shape.reduce(1, *)
        // Unfold writes every element; fold adds into zeros.
        var out = isFold || n == 0 || x[0].count == 0
            ? TensorStorage<Scalar>(repeating: 0, count: n) : TensorStorage<Scalar>(unsafeUninitializedCapacity: n) { $1 = n }
        guard n > 0, x[0].count > 0 else { return Tensor(storage: out, shape: shape, node: nil) }
        out.withUnsafeMutableBufferPointer { o in
            x[0].storage.withUnsafeBufferPointer { input in
                let source = UnsafeMutablePointer(mutating: input.baseAddress!)
                if isFold {
                    geometry.run(images: o.baseAddress!, rows: source, fold: true)
                } else {
                    geometry.run(images: source, rows: o.baseAddress!, fold: false)
                }
            }
        }
        return Tensor(storage: out, shape: shape, node: nil)
    }

    func inputGradients(
        inputs x: NodeInputView<Scalar>, output y: Tensor<Scalar>, upstream g: Tensor<Scalar>
    ) -> NodeGradients<Scalar> {
        NodeGradients(Unfold(geometry: geometry, isFold: !isFold).apply([g], file: #fileID, line: #line))
    }

    func kernel(inputs: [[Int]], shape: [Int]) -> TensorProgram<Scalar>.Kernel? {
        shape.reduce(1, *) > 0 && inputs[0].reduce(1, *) > 0 ? .patches(geometry, fold: isFold) : nil
    }
}
