import Backprop
import Foundation

/// The forward and backward pass of a scalar graph, one step per node, for the
/// step-through page: forward in a topological order (each node's value from its
/// inputs, and the local derivatives the op stores; the page sweeps the drawing's
/// columns left to right, ``GraphLayout/forwardOrder``), then backward in reverse order
/// (each node's gradient as the sum over its consumers of upstream gradient × local
/// derivative). Everything comes from the engine's public graph API; gradients are
/// the adjoints of the output (``adjoints(of:)``), so no node's `grad` is changed.
public struct StepList {
    /// One node of the graph.
    public struct Node {
        /// Position in topological order (0 = first leaf).
        public var index: Int
        /// Label, or a generated name.
        public var name: String
        /// The op (`+`, `×`, `σ`, `leaf`, …), the expression it computes in the inputs'
        /// names, and the same with their values substituted.
        public var op: String, expression: String, valueExpression: String
        /// The forward value and ∂output/∂node.
        public var value: Double, gradient: Double
        /// Indices of the inputs, with ∂node/∂input (as stored by the op) and the rule.
        public var inputs: [(index: Int, local: Double, rule: String)]
        /// Whether the node is a leaf (an input or parameter).
        public var isLeaf: Bool
    }

    /// One contribution to a node's gradient in the backward pass: the consumer's
    /// gradient (upstream) times the consumer's local derivative with respect to the node.
    public struct Term {
        /// The consumer's index.
        public var consumer: Int
        /// ∂output/∂consumer.
        public var upstream: Double
        /// ∂consumer/∂node.
        public var local: Double
        /// upstream × local.
        public var product: Double { upstream * local }
    }

    /// The nodes in topological order; the output is last.
    public private(set) var nodes: [Node] = []
    /// For each node, the terms of its gradient (empty for the output, whose gradient is the seed 1).
    public private(set) var terms: [[Term]] = []
    /// A title for the page.
    public var title: String
    /// Names of the nodes whose stored value is not their op applied to their inputs'
    /// values now: the graph was recorded before some leaf was changed (a training
    /// loop updating shared parameters), so its steps would not add up. Empty when consistent.
    public private(set) var staleNodes: [String] = []

    /// Builds the steps of the graph that computes `output`.
    public init(of output: Value, title: String) {
        self.title = title
        let order = output.topologicalOrder()
        let names = NodeNames(graphOf: output)
        let adjoint = adjoints(of: output)
        var index: [NodeID: Int] = [:]
        for (k, node) in order.enumerated() { index[node.id] = k }
        terms = Array(repeating: [], count: order.count)
        for (k, node) in order.enumerated() {
            let operandNames = node.inputs.map { names[$0] }
            let rules = LocalRules(node: node, names: operandNames, result: names[node])
            var inputs: [(Int, Double, String)] = []
            for (j, (input, local)) in zip(node.inputs, node.localDerivatives).enumerated() {
                guard let i = index[input.id] else { continue }
                inputs.append((i, local, rules.rule(for: j)))
                terms[i].append(Term(consumer: k, upstream: adjoint[node.id] ?? 0, local: local))
            }
            if let v = rules.recomputed, Swift.abs(v - node.value) > 1e-9 * Swift.max(1, Swift.abs(v)) {
                staleNodes.append(names[node])
            }
            var op = node.opSymbol
            if node.isLeaf { op = "leaf" }
            nodes.append(Node(index: k, name: names[node], op: op, expression: node.isLeaf ? "leaf" : rules.expression,
                              valueExpression: node.isLeaf ? LocalRules.number(node.value) : rules.valueExpression,
                              value: node.value, gradient: adjoint[node.id] ?? 0, inputs: inputs, isLeaf: node.isLeaf))
        }
    }

    /// The page's data as JSON:
    ///
    /// ```
    /// {"title", "nodes": [{index, name, op, expression, numbers, value, grad, leaf, x, y,
    ///                     inputs: [{node, local, rule}]}],
    ///  "steps": [{phase: "forward"|"backward", node, value | grad, terms: [{consumer, upstream, local, product}]}]}
    /// ```
    public func json(layout: GraphLayout) -> JSONValue {
        let nodeObjects: [JSONValue] = nodes.map { n in
            .object([("index", .number(Double(n.index))), ("name", .string(n.name)), ("op", .string(n.op)),
                     ("expression", .string(n.expression)),
                     ("numbers", .string(n.valueExpression)), ("value", .number(n.value)), ("grad", .number(n.gradient)),
                     ("leaf", .bool(n.isLeaf)), ("x", .number(layout.positions[n.index].x)), ("y", .number(layout.positions[n.index].y)),
                     ("inputs", .array(n.inputs.map { .object([("node", .number(Double($0.index))), ("local", .number($0.local)),
                                                                ("rule", .string($0.rule))]) }))])
        }
        var steps: [JSONValue] = layout.forwardOrder.map { k in
            .object([("phase", .string("forward")), ("node", .number(Double(k))), ("value", .number(nodes[k].value))])
        }
        steps += layout.forwardOrder.reversed().map { k in
            .object([("phase", .string("backward")), ("node", .number(Double(k))), ("grad", .number(nodes[k].gradient)),
                     ("terms", .array(terms[k].map { t in
                         .object([("consumer", .number(Double(t.consumer))), ("upstream", .number(t.upstream)),
                                  ("local", .number(t.local)), ("product", .number(t.product))])
                     }))])
        }
        return .object([("title", .string(title)), ("width", .number(layout.width)), ("height", .number(layout.height)),
                        ("nodes", .array(nodeObjects)), ("steps", .array(steps))])
    }
}
