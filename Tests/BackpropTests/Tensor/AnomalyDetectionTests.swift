import Backprop
import Testing

@Suite("Anomaly detection")
struct AnomalyDetectionTests {
    @Test("the first op whose result holds ±∞ or NaN is reported with its shapes and call site")
    func forward() throws {
        let x = Tensor<Double>([[1, 0], [2, 3]], requiresGradient: true)
        let line = #line + 1
        let (_, anomaly) = withAnomalyDetection(printing: false) { (x.log() * 2).log().sum() }
        let a = try #require(anomaly)
        #expect(a.phase == .forward && a.op == .log && a.inputShapes == [[2, 2]])
        #expect(a.infinityCount == 1 && a.nanCount == 0 && a.count == 4)
        #expect(a.location == "BackpropTests/AnomalyDetectionTests.swift:\(line)", "\(a)")
        #expect(a.description.contains("anomaly in forward pass: log of [2, 2]"))
    }

    @Test("a gradient that becomes infinite is reported for the op whose rule produced it")
    func backward() throws {
        let x = Tensor<Double>([0, 4], requiresGradient: true)
        let line = #line + 2
        let (_, anomaly) = withAnomalyDetection(printing: false) {
            let y = x.squareRoot().sum()         // √0 = 0 is fine; ∂√x/∂x = 1/(2√x) is not
            y.backward()
        }
        let a = try #require(anomaly)
        #expect(a.phase == .backward && a.op == .squareRoot && a.inputIndex == 0)
        #expect(a.location == "BackpropTests/AnomalyDetectionTests.swift:\(line)", "\(a)")
        #expect(a.infinityCount == 1)
    }

    @Test("operators report the op and shapes, and say how to get a location")
    func operators() throws {
        let a = Tensor<Double>([1, 2, 3]), b = Tensor<Double>([1, 0, 1])
        let (_, anomaly) = withAnomalyDetection(printing: false) { a / b }
        let found = try #require(anomaly)
        #expect(found.op == .divide && found.inputShapes == [[3], [3]] && found.location == nil)
        #expect(found.description.contains("use the named method"))
        let (_, named) = withAnomalyDetection(printing: false) { a.divided(by: b) }
        #expect(named?.location?.hasPrefix("BackpropTests/AnomalyDetectionTests.swift:") == true)
    }

    @Test("off by default; finite programs report nothing; scopes restore the previous state")
    func offAndClean() {
        let x = Tensor<Double>([[0.5, 1], [2, 3]], requiresGradient: true)
        let (loss, none) = withAnomalyDetection(printing: false) { () -> Tensor<Double> in
            let l = x.matmul(x).tanh().sum()
            l.backward()
            return l
        }
        #expect(none == nil && loss.scalar.isFinite)
        let inner = withAnomalyDetection(printing: false) {
            withAnomalyDetection(printing: false) { Tensor<Double>([0]).log() }.anomaly
        }
        #expect(inner.result?.op == .log && inner.anomaly == nil, "the inner scope records, the outer sees its own ops only")
        // Outside any scope the same program runs without checks.
        #expect(Tensor<Double>([0]).log().scalars == [-.infinity])
    }
}
