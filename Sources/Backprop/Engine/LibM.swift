#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The C math library under names that enum cases such as `ScalarOp.exp` cannot shadow.
@usableFromInline
enum LibM {
    @inlinable static func exp(_ x: Double) -> Double { _exp(x) }
    @inlinable static func log(_ x: Double) -> Double { _log(x) }
    @inlinable static func sqrt(_ x: Double) -> Double { x.squareRoot() }
    @inlinable static func sin(_ x: Double) -> Double { _sin(x) }
    @inlinable static func cos(_ x: Double) -> Double { _cos(x) }
    @inlinable static func tanh(_ x: Double) -> Double { _tanh(x) }
    @inlinable static func pow(_ x: Double, _ y: Double) -> Double { _pow(x, y) }
}

@inlinable func _exp(_ x: Double) -> Double { exp(x) }
@inlinable func _log(_ x: Double) -> Double { log(x) }
@inlinable func _sin(_ x: Double) -> Double { sin(x) }
@inlinable func _cos(_ x: Double) -> Double { cos(x) }
@inlinable func _tanh(_ x: Double) -> Double { tanh(x) }
@inlinable func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
