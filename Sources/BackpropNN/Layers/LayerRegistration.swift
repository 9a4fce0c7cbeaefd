import Backprop

/// A parameter, state or mode switch that a layer holds in a stored property but does
/// not list in `namedParameters`, `namedStates` or `modeSwitches`: it is not trained,
/// saved, passed to a compiled program or switched between modes, silently.
///
/// ```
/// unregistered = { reachable through stored properties } ∖ { listed by the layer }
/// ```
public struct UnregisteredPart: Sendable, Equatable, CustomStringConvertible {
    /// What it is: a parameter, a state or a mode switch.
    public enum Kind: String, Sendable {
        /// A ``Parameter``.
        case parameter
        /// A ``LayerState``.
        case state
        /// A ``LayerModeSwitch``.
        case modeSwitch = "mode switch"
    }
    /// The stored-property path from the model, e.g. `body.layers[1].weight`.
    public var path: String
    /// What is held there.
    public var kind: Kind
    /// `body.layers[1].weight (parameter)`.
    public var description: String { "\(path) (\(kind.rawValue))" }
}

/// The parameters, states and mode switches that `model` holds in its stored properties
/// (found by reflection with `Mirror`, through nested layers, arrays and optionals) but
/// does not register: a layer whose `namedParameters` forgets a `Parameter`, a container
/// whose lists skip a sublayer. Empty for a correctly written model.
///
/// ```swift
/// let model = MLP<Double>([2, 3, 1], activation: .tanh)
/// assert(unregisteredParts(in: model).isEmpty)
/// ```
/// Values reached only through closures or computed properties are not seen.
public func unregisteredParts<Model: Layer>(in model: Model) -> [UnregisteredPart] {
    var registered = Set<ObjectIdentifier>()
    for (_, p) in model.namedParameters { registered.insert(ObjectIdentifier(p)) }
    for (_, s) in model.namedStates { registered.insert(ObjectIdentifier(s)) }
    for s in model.modeSwitches { registered.insert(ObjectIdentifier(s)) }
    var found: [UnregisteredPart] = []
    var visited = Set<ObjectIdentifier>()
    // An explicit stack: nothing recurses on the model's nesting depth.
    var stack: [(value: Any, path: String)] = [(model, "")]
    while let (value, path) = stack.popLast() {
        if let part = value as? any RegistrablePart {
            let id = part.partIdentifier
            if visited.insert(id).inserted, !registered.contains(id) {
                found.append(UnregisteredPart(path: path.isEmpty ? "(model)" : path, kind: part.partKind))
            }
            continue
        }
        if value is any OpaqueToRegistration { continue }
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .class?:
            if !visited.insert(ObjectIdentifier(value as AnyObject)).inserted { continue }
        case .collection?, .set?, .dictionary?:
            // Arrays of numbers or strings hold no parts: skip them without walking.
            if let first = mirror.children.first?.value, first is any Numeric || first is String { continue }
        case nil:
            continue
        default:
            break
        }
        var children: [(Any, String)] = []
        var mirrors: [Mirror] = [mirror]
        var m = mirror
        while let superMirror = m.superclassMirror { mirrors.append(superMirror); m = superMirror }
        for mirror in mirrors {
            for (i, child) in mirror.children.enumerated() {
                let childPath: String
                switch mirror.displayStyle {
                case .optional?: childPath = path
                case .collection?, .set?, .dictionary?: childPath = "\(path)[\(i)]"
                default:
                    let name = child.label ?? "\(i)"
                    childPath = path.isEmpty ? name : "\(path).\(name)"
                }
                children.append((child.value, childPath))
            }
        }
        stack.append(contentsOf: children.reversed())
    }
    return found
}

/// An object `unregisteredParts(in:)` reports when the model does not list it.
protocol RegistrablePart {
    var partIdentifier: ObjectIdentifier { get }
    var partKind: UnregisteredPart.Kind { get }
}

extension Parameter: RegistrablePart {
    var partIdentifier: ObjectIdentifier { ObjectIdentifier(self) }
    var partKind: UnregisteredPart.Kind { .parameter }
}

extension LayerState: RegistrablePart {
    var partIdentifier: ObjectIdentifier { ObjectIdentifier(self) }
    var partKind: UnregisteredPart.Kind { .state }
}

extension LayerModeSwitch: RegistrablePart {
    var partIdentifier: ObjectIdentifier { ObjectIdentifier(self) }
    var partKind: UnregisteredPart.Kind { .modeSwitch }
}

/// A value `unregisteredParts(in:)` does not look into: a tensor (its graph could be deep
/// and holds no parts) or a data set.
protocol OpaqueToRegistration {}
extension Tensor: OpaqueToRegistration {}
extension Dataset: OpaqueToRegistration {}
