// How two broadcast operands are walked: one decision shared by the eager binary ops,
// `broadcasted(to:)` and the kernels of a `TensorProgram`.

/// How to loop over two operands broadcast to a result shape (NumPy rule), from the
/// cheapest layout to the general one. Each case states which element of each operand
/// result element i reads (`a` left, `b` right; the `Side` is the smaller operand).
///
/// ```
/// elementwise            out[i] = a[i] ∘ b[i]
/// scalar(.right)         out[i] = a[i] ∘ b[0]
/// repeatedBlock(.right)  out[i] = a[i] ∘ b[i mod block]      (a bias row)
/// expanded(.right)       out[i] = a[i] ∘ b[i / inner]        (a column)
/// strided(sa, sb)        out[i] = a[Σₖ iₖ·saₖ] ∘ b[Σₖ iₖ·sbₖ]  (i = (i₀, …, i_{r−1}) in the result)
/// ```
enum BroadcastPlan: Equatable {
    /// The operand that is repeated.
    enum Side: Equatable { case left, right }

    /// Both operands have the result's elements in its order (equal shapes, or shapes
    /// that differ only by axes of extent 1), or the result is empty.
    case elementwise
    /// One operand has a single element.
    case scalar(Side)
    /// One operand is a trailing block of the result (after leading axes of extent 1),
    /// repeated along the leading axes; the other is full.
    case repeatedBlock(Side, block: Int)
    /// One operand is the result's shape with trailing axes of extent 1, each element
    /// covering `inner` consecutive result elements; the other is full.
    case expanded(Side, inner: Int)
    /// Anything else: each operand read through strides over the result's axes (0 along
    /// the axes it is broadcast over).
    case strided(left: [Int], right: [Int])

    /// The plan for `a ∘ b` with result shape `out` (the broadcast shape of `a` and `b`).
    ///
    /// Precondition: `out` is the broadcast shape of `a` and `b`.
    init(_ a: [Int], _ b: [Int], result out: [Int]) {
        if a == b { self = .elementwise; return }
        let n = out.reduce(1, *), na = a.reduce(1, *), nb = b.reduce(1, *)
        if n == 0 || (na == n && nb == n) { self = .elementwise; return }
        if nb == 1 { self = .scalar(.right); return }
        if na == 1 { self = .scalar(.left); return }
        if na == n && BroadcastPlan.isTrailingBlock(b, of: out) { self = .repeatedBlock(.right, block: nb); return }
        if nb == n && BroadcastPlan.isTrailingBlock(a, of: out) { self = .repeatedBlock(.left, block: na); return }
        if na == n, let inner = BroadcastPlan.expansion(b, of: out) { self = .expanded(.right, inner: inner); return }
        if nb == n, let inner = BroadcastPlan.expansion(a, of: out) { self = .expanded(.left, inner: inner); return }
        self = .strided(left: broadcastStrides(a, to: out), right: broadcastStrides(b, to: out))
    }

    /// Whether `small` without its leading axes of extent 1 equals the trailing axes of `out`.
    static func isTrailingBlock(_ small: [Int], of out: [Int]) -> Bool {
        var first = 0
        while first < small.count && small[first] == 1 { first += 1 }
        let lead = out.count - (small.count - first)
        if lead < 0 { return false }
        for k in first..<small.count where small[k] != out[lead + k - first] { return false }
        return true
    }

    /// When `small` (padded with leading axes of extent 1) is `out` with its trailing
    /// axes set to 1: the number of result elements each of its elements covers.
    static func expansion(_ small: [Int], of out: [Int]) -> Int? {
        let lead = out.count - small.count
        guard lead >= 0 else { return nil }
        var split = small.count - 1
        while split >= 0 && small[split] == 1 { split -= 1 }
        guard split >= 0 else { return nil }
        for k in 0..<lead where out[k] != 1 { return nil }
        for k in 0...split where small[k] != out[lead + k] { return nil }
        return out[(lead + split + 1)...].reduce(1, *)
    }
}
