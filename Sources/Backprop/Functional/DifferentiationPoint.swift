import CBackpropKernels

/// The point at which a function transformation (`grad`, `vjp`, `jacobian`, …)
/// differentiates: a tensor with a graph node of its own, and whether the derivatives
/// must themselves be recorded.
///
/// A constant `x` becomes a fresh parameter; the derivatives are then plain values. An
/// `x` that already requires gradients (an outer transformation differentiates through
/// this one, as in `hessian`) becomes a new identity node on top of it, and the
/// derivatives are recorded so that the outer transformation can differentiate them.
/// The new node keeps the derivative with respect to this point apart from any other
/// use of `x` that `f` closes over:
///
/// ```
/// ∂/∂y f(y)|_{y = x}   not   d/dx f(x)   (no perturbation confusion)
/// ```
struct DifferentiationPoint<Scalar: TensorScalar> {
    /// The input to call `f` with.
    let input: Tensor<Scalar>
    /// Whether the derivatives are recorded (an outer transformation, or a trace).
    let createGraph: Bool

    /// Prepares `x`, stopping with a message naming `function` and the caller's file and
    /// line inside `withoutGradients`, where nothing could be recorded.
    init(_ x: Tensor<Scalar>, _ function: String, file: StaticString, line: UInt) {
        if !isRecordingGradients {
            tensorError("\(function): called inside withoutGradients, where no graph is recorded to differentiate",
                        file: file, line: line)
        }
        if x.requiresGradient {
            input = x.reshaped(to: x.shape)
            createGraph = true
        } else {
            input = x.requiringGradient()
            createGraph = bp_tracer() != nil
        }
    }

    /// The vector–Jacobian product `uᵀ·∂y/∂x` for `y` computed from `input`; zero when
    /// `y` does not depend on it.
    ///
    /// ```
    /// pullback(u) = uᵀ · ∂y/∂x      (shape of x)
    /// ```
    func pullback(_ y: Tensor<Scalar>, _ u: Tensor<Scalar>, _ function: String,
                  file: StaticString, line: UInt) -> Tensor<Scalar> {
        if u.shape != y.shape {
            tensorError("\(function): cotangent has shape \(u.shape), the output has shape \(y.shape)",
                        file: file, line: line)
        }
        guard y.requiresGradient else { return Tensor.zeros(shape: input.shape) }
        return gradients(of: y, withRespectTo: [input], upstream: u, createGraph: createGraph,
                         file: file, line: line)[0]
    }
}

/// Stops with a message when `f` returned more than one element where a scalar
/// function is needed.
func requireScalarOutput<Scalar>(_ y: Tensor<Scalar>, _ function: String, file: StaticString, line: UInt) {
    if y.count != 1 {
        tensorError(
            "\(function): the function returned shape \(y.shape) (\(y.count) elements), not a single element; use vjp or jacobian for a tensor-valued function",
            file: file, line: line)
    }
}
