import Backprop

/// Conversions and checks of whole parameter arrays between a model's element type and
/// the `Double` values files and optimiser states carry, in code specialised for `Float`
/// and `Double`.
///
/// The callers (`Layer.save`, optimisers' `state`) are generic over the element type
/// and are not specialised across the module boundary, so a plain `v.map { Double($0) }`
/// there runs element by element through witness tables: 10.5 M parameters took 1.6 s to
/// save and 6.7 s to checkpoint with Adam's moments. These functions test the type once
/// and run the concrete loop.
enum ScalarArrays {
    /// The values as `Double`s, exactly (every `Float` is a `Double`).
    ///
    /// ```
    /// out[i] = Double(v[i])
    /// ```
    static func doubles<Scalar: TensorScalar>(_ v: [Scalar]) -> [Double] {
        if Scalar.self == Double.self { return unsafeBitCast(v, to: [Double].self) }
        if Scalar.self == Float.self { return unsafeBitCast(v, to: [Float].self).map { Double($0) } }
        return v.map { Double($0) }
    }

    /// The values rounded to `Scalar` (to nearest, ties to even; beyond `Float`'s range
    /// becomes ±∞: callers check with ``firstBeyondRange(_:as:)`` first).
    ///
    /// ```
    /// out[i] = Scalar(v[i])
    /// ```
    static func scalars<Scalar: TensorScalar>(_ v: [Double], as _: Scalar.Type = Scalar.self) -> [Scalar] {
        if Scalar.self == Double.self { return unsafeBitCast(v, to: [Scalar].self) }
        if Scalar.self == Float.self { return unsafeBitCast(v.map { Float($0) }, to: [Scalar].self) }
        return v.map { Scalar($0) }
    }

    /// The index of the first NaN or ±∞, or nil.
    static func firstNonFinite<Scalar: TensorScalar>(_ v: [Scalar]) -> Int? {
        if Scalar.self == Double.self { return firstNonFinite(doubles: unsafeBitCast(v, to: [Double].self)) }
        if Scalar.self == Float.self { return unsafeBitCast(v, to: [Float].self).firstIndex { !$0.isFinite } }
        return v.firstIndex { !$0.isFinite }
    }

    /// The index of the first NaN or ±∞ among `Double`s, or nil.
    static func firstNonFinite(doubles v: [Double]) -> Int? {
        v.firstIndex { !$0.isFinite }
    }

    /// The index of the first finite value that `Scalar` cannot hold (it rounds to ±∞:
    /// |x| above `Float.greatestFiniteMagnitude` rounded), or nil.
    static func firstBeyondRange<Scalar: TensorScalar>(_ v: [Double], as _: Scalar.Type = Scalar.self) -> Int? {
        if Scalar.self == Double.self { return nil }
        if Scalar.self == Float.self { return v.firstIndex { $0.isFinite && !Float($0).isFinite } }
        return v.firstIndex { $0.isFinite && !Scalar($0).isFinite }
    }
}
