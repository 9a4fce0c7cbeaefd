/// A tiny seeded pseudo-random generator (SplitMix64, Steele, Lea & Flood 2014), so
/// every walkthrough that needs random data or weights is reproducible everywhere.
///
/// ```
/// state += 0x9E3779B97F4A7C15
/// z = state;  z = (z ^ (z >> 30)) · 0xBF58476D1CE4E5B9;  z = (z ^ (z >> 27)) · 0x94D049BB133111EB
/// next = z ^ (z >> 31)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform double in `range` (53 random bits).
    public mutating func nextDouble(in range: ClosedRange<Double> = 0...1) -> Double {
        let unit = Double(next() >> 11) * 0x1.0p-53
        return range.lowerBound + unit * (range.upperBound - range.lowerBound)
    }
}
