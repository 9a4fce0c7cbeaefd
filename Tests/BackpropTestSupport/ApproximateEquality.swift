import Backprop
import BackpropNN

/// `a` agrees with `reference` within `tolerance`, relative to the reference's magnitude
/// but never tighter than absolute near zero:
///
/// ```
/// |a − reference| ≤ tolerance · max(1, |reference|)
/// ```
///
/// NaN agrees with nothing, so a NaN result fails the comparison.
public func isClose<T: BinaryFloatingPoint>(_ a: T, _ reference: T, tolerance: T) -> Bool {
    Swift.abs(a - reference) <= tolerance * Swift.max(1, Swift.abs(reference))
}

/// Same length, and every element ``isClose(_:_:tolerance:)-(T,T,T)`` to the reference's.
///
/// ```
/// a.count = reference.count  ∧  ∀i: |aᵢ − rᵢ| ≤ tolerance · max(1, |rᵢ|)
/// ```
public func isClose<T: BinaryFloatingPoint>(_ a: [T], _ reference: [T], tolerance: T) -> Bool {
    a.count == reference.count && zip(a, reference).allSatisfy { isClose($0, $1, tolerance: tolerance) }
}

/// Same shape, and every element close to the reference's (see the array form).
///
/// ```
/// a.shape = reference.shape  ∧  ∀i: |aᵢ − rᵢ| ≤ tolerance · max(1, |rᵢ|)
/// ```
public func isClose<T: TensorScalar>(_ a: Tensor<T>, _ reference: Tensor<T>, tolerance: T = 1e-10) -> Bool {
    a.shape == reference.shape && isClose(a.scalars, reference.scalars, tolerance: tolerance)
}

/// Two parameter lists agree element by element: their values, or (with `gradients`)
/// their accumulated gradients, which must then exist.
///
/// ```
/// ∀k: isClose(a[k], b[k], tolerance)   (values or gradients)
/// ```
public func isClose<T: TensorScalar>(
    _ a: [Parameter<T>], _ b: [Parameter<T>], gradients: Bool = false, tolerance: T
) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { p, q in
        guard gradients else { return isClose(p.value.scalars, q.value.scalars, tolerance: tolerance) }
        guard let x = p.gradient?.scalars, let y = q.gradient?.scalars, !x.isEmpty else { return false }
        return isClose(x, y, tolerance: tolerance)
    }
}
