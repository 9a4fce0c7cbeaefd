/// IEEE 754 binary interchange formats narrower than Double (F32, F16, BF16): encoding a
/// Double with round-to-nearest-even, and decoding exactly. Written out by hand (not with
/// `Float16`, which some platforms lack, nor through `Float`, which would round twice).
///
/// ```
/// format(k exponent bits, m fraction bits):  bias = 2^(k−1) − 1,  emin = 1 − bias
/// normal:     (−1)^s · (1 + f/2^m) · 2^(e − bias),   1 ≤ e ≤ 2·bias
/// subnormal:  (−1)^s · (f/2^m) · 2^emin,             e = 0
/// largest finite = (2 − 2^−m) · 2^bias   (F16: 65504, BF16: ≈ 3.3895·10³⁸)
/// ```
struct BinaryFloatFormat: Sendable, Equatable {
    /// Bits of the exponent field.
    var exponentBits: Int
    /// Bits of the fraction (stored significand) field.
    var fractionBits: Int

    /// IEEE half precision (safetensors `F16`).
    static let float16 = BinaryFloatFormat(exponentBits: 5, fractionBits: 10)
    /// bfloat16 (safetensors `BF16`): Float's exponent, 7 fraction bits.
    static let bfloat16 = BinaryFloatFormat(exponentBits: 8, fractionBits: 7)
    /// IEEE single precision (safetensors `F32`).
    static let float32 = BinaryFloatFormat(exponentBits: 8, fractionBits: 23)

    var bias: Int { (1 << (exponentBits - 1)) - 1 }

    /// The largest finite value.
    ///
    /// ```
    /// (2 − 2^−m) · 2^bias
    /// ```
    var greatestFiniteMagnitude: Double {
        Double(sign: .plus, exponent: bias, significand: 2 - Double(sign: .plus, exponent: -fractionBits, significand: 1))
    }

    /// The bits of `x` rounded to this format (nearest, ties to even), or nil when a finite
    /// `x` rounds beyond the largest finite value. NaN stays NaN (quiet), ±∞ stays ±∞.
    ///
    /// ```
    /// ulp = 2^(max(exponent(|x|), emin) − m);  q = round_half_even(|x| / ulp);  value = q · ulp
    /// ```
    func encode(_ x: Double) -> UInt64? {
        let m = fractionBits
        let signBit: UInt64 = x.sign == .minus ? 1 << UInt64(exponentBits + m) : 0
        let allOnes = UInt64((1 << exponentBits) - 1) << UInt64(m)
        if x.isNaN { return signBit | allOnes | 1 << UInt64(m - 1) }
        if x.isInfinite { return signBit | allOnes }
        let a = x.magnitude
        if a == 0 { return signBit }
        let emin = 1 - bias
        var e = Swift.max(Int(a.exponent), emin)
        // Dividing by a power of two is exact; q is an integer in [0, 2^(m+1)].
        let ulp = Double(sign: .plus, exponent: e - m, significand: 1)
        var q = UInt64((a / ulp).rounded(.toNearestOrEven))
        if q == 1 << UInt64(m + 1) { q >>= 1; e += 1 }  // rounded up into the next binade
        if e > bias { return nil }
        if q < 1 << UInt64(m) { return signBit | q }  // subnormal (e == emin), or rounded to zero
        return signBit | UInt64(e + bias) << UInt64(m) | (q - 1 << UInt64(m))
    }

    /// The value of `bits` in this format, exactly.
    func decode(_ bits: UInt64) -> Double {
        let m = fractionBits
        let fraction = bits & ((1 << UInt64(m)) - 1)
        let exponent = Int((bits >> UInt64(m)) & UInt64((1 << exponentBits) - 1))
        let sign: FloatingPointSign = (bits >> UInt64(exponentBits + m)) & 1 == 1 ? .minus : .plus
        let magnitude: Double
        if exponent == (1 << exponentBits) - 1 {
            magnitude = fraction == 0 ? .infinity : .nan
        } else if exponent == 0 {
            magnitude = Double(fraction) * Double(sign: .plus, exponent: 1 - bias - m, significand: 1)
        } else {
            magnitude = Double(fraction | 1 << UInt64(m)) * Double(sign: .plus, exponent: exponent - bias - m, significand: 1)
        }
        return sign == .minus ? -magnitude : magnitude
    }
}
