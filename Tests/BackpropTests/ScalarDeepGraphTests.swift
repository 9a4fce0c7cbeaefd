import Foundation
import Testing
@testable import Backprop

@Suite("Deep scalar graphs and memory")
struct ScalarDeepGraphTests {
    @Test("a chain of 10⁶ ops is built, back-propagated and freed")
    func millionOpChain() {
        let steps = 333_334      // 3 ops each: ×, +, tanh
        weak var tape: Tape?
        var expectedGrad = 1.0
        do {
            let x0 = Value(0.1)
            var x = x0
            var plain = 0.1
            for _ in 0..<steps {
                x = (x * 1.0001 + 0.5).tanh()
                // Independent forward-mode derivative in plain Doubles.
                let t = Foundation.tanh(plain * 1.0001 + 0.5)
                expectedGrad *= (1 - t * t) * 1.0001
                plain = t
            }
            tape = x.tape
            #expect(x.tape.count >= 3 * steps - 2)
            #expect(x.value == plain)
            x.backward()
            #expect(Swift.abs(x0.grad - expectedGrad) <= 1e-12 * Swift.abs(expectedGrad) + 1e-300)
            #expect(tape != nil)
        }
        #expect(tape == nil, "the tape is released once the graph is out of scope")
    }

    @Test("10⁵ per-sample tapes linked into one sum are back-propagated and freed iteratively")
    func longChainOfTapes() {
        let n = 100_000
        weak var first: Tape?
        weak var last: Tape?
        do {
            let w = Value(0.5)
            var total = w * Value(1)
            first = total.tape
            for i in 0..<n {
                // Each sample starts from leaves: a new tape, referencing the previous total's.
                total = total + w * Value(Double(i % 7))
            }
            last = total.tape
            total.backward()
            let expected = 1 + (0..<n).reduce(0.0) { $0 + Double($1 % 7) }
            #expect(w.grad == expected)
            #expect(first != nil && last != nil && first !== last)
        }
        #expect(first == nil && last == nil, "every tape of the chain is released")
    }

    @Test("no retain cycles: leaves outlive graphs, graphs do not outlive their values")
    func noRetainCycles() {
        let w = Value(2)
        weak var graph: Tape?
        for _ in 0..<3 {
            do {
                let loss = (w * Value(3) - 1).squared()
                graph = loss.tape
                loss.backward()
            }
            #expect(graph == nil)
        }
        #expect(w.grad == 3 * 2 * (6 - 1) * 3)
        weak let leafTape = w.tape
        #expect(leafTape != nil)
    }

    @Test("a graph keeps its leaves alive while it exists")
    func graphRetainsLeaves() {
        weak var leafTape: Tape?
        let y: Value
        do {
            let x = Value(3)
            leafTape = x.tape
            y = x * x
        }
        #expect(leafTape != nil)
        y.backward()
        #expect(y.inputs[0].grad == 6)
        _ = consume y
        #expect(leafTape == nil)
    }
}
