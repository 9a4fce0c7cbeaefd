import Testing
import Backprop
import BackpropNN

/// A layer the summary knows nothing about, with a long generic type name.
struct DoublingLayerWithAVeryLongNameThatGoesOnAndOnAndOnForeverAndEver<Scalar: TensorScalar>: Layer {
    let scale = Parameter(Tensor<Scalar>([2]))
    func callAsFunction(_ input: Tensor<Scalar>) -> Tensor<Scalar> { input * scale.value }
    var namedParameters: [(name: String, parameter: Parameter<Scalar>)] { [("scale", scale)] }
}

/// `print(model)`: the Keras-style table of layers, output shapes and parameter counts.
@Suite("Model summary")
struct ModelSummaryTests {
    @Test func mlpPrintsItsLayersShapesAndCounts() {
        let model = MLP<Float>([784, 128, 10], activation: .relu)
        // 784·128 + 128 = 100,480 and 128·10 + 10 = 1,290.
        #expect("\(model)" == """
            MLP<Float>([784, 128, 10]): 3 layers
            ==================================================
            Layer  Type               Output shape  Parameters
            --------------------------------------------------
            0      Linear(784 → 128)  [batch, 128]     100,480
            1      Activation(relu)   [batch, 128]           0
            2      Linear(128 → 10)   [batch, 10]        1,290
            ==================================================
            Total parameters: 101,770
            """)
    }

    @Test func tiedWeightsCountOnceInTheTotal() {
        var rng = SeededGenerator(seed: 1)
        let shared = Linear<Double>(inputSize: 3, outputSize: 3, rng: &rng)
        let model = Sequential<Double>([shared, ActivationLayer(.tanh), shared])
        #expect("\(model)" == """
            Sequential<Double>: 3 layers
            =================================================
            Layer  Type              Output shape  Parameters
            -------------------------------------------------
            0      Linear(3 → 3)     [batch, 3]            12
            1      Activation(tanh)  [batch, 3]             0
            2      Linear(3 → 3)     [batch, 3]            12
            =================================================
            Total parameters: 12 (shared parameters counted once; the rows add up to 24)
            """)
    }

    @Test func unknownLayersHaveUnknownShapesUntilMeasured() {
        var rng = SeededGenerator(seed: 1)
        let model = Sequential<Double>([
            Linear(inputSize: 4, outputSize: 8, rng: &rng), DoublingLayerWithAVeryLongNameThatGoesOnAndOnAndOnForeverAndEver(),
            ActivationLayer(.sigmoid), MLP([8, 2], activation: .relu),
        ])
        let text = "\(model)"
        #expect(text == """
            Sequential<Double>: 4 layers
            =============================================================================
            Layer  Type                                          Output shape  Parameters
            -----------------------------------------------------------------------------
            0      Linear(4 → 8)                                 [batch, 8]            40
            1      DoublingLayerWithAVeryLongNameThatGoesOnAnd…  ?                      1
            2      Activation(sigmoid)                           ?                      0
            3      MLP([8, 2])                                   [batch, 2]            18
            =============================================================================
            Total parameters: 59
            """)
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
        #expect(model.summary(forInputShape: [32, 4]) == """
            Sequential<Double>: 4 layers, input [32, 4]
            =============================================================================
            Layer  Type                                          Output shape  Parameters
            -----------------------------------------------------------------------------
            0      Linear(4 → 8)                                 [32, 8]               40
            1      DoublingLayerWithAVeryLongNameThatGoesOnAnd…  [32, 8]                1
            2      Activation(sigmoid)                           [32, 8]                0
            3      MLP([8, 2])                                   [32, 2]               18
            =============================================================================
            Total parameters: 59
            """)
    }

    @Test("the digits CNN's summary knows every shape: conv keeps 8×8 with padding 1, each pool halves it")
    func cnnShapes() {
        let text = "\(DigitsCNN<Float>())"
        // By hand: [1, 8, 8] → conv 16 → [16, 8, 8] → pool → [16, 4, 4] → conv 32 → [32, 4, 4]
        // → pool → [32, 2, 2] → 128 → 10; parameters 16·9 + 16, 32·16·9 + 32, 128·10 + 10.
        for (kind, shape, count) in [("Reshape([1, 8, 8])", "[batch, 1, 8, 8]", "0"),
                                     ("Conv2d(1 → 16, 3×3, pad 1)", "[batch, 16, 8, 8]", "160"),
                                     ("MaxPool(2×2)", "[batch, 16, 4, 4]", "0"),
                                     ("Conv2d(16 → 32, 3×3, pad 1)", "[batch, 32, 4, 4]", "4,640"),
                                     ("MaxPool(2×2)", "[batch, 32, 2, 2]", "0"),
                                     ("Reshape([-1])", "[batch, 128]", "0"),
                                     ("Linear(128 → 10)", "[batch, 10]", "1,290")] {
            let row = text.split(separator: "\n").first { $0.contains(kind) && $0.contains(shape) }
            #expect(row.map { $0.hasSuffix(" " + count) } == true, "\(kind) \(shape) \(count) in\n\(text)")
        }
        #expect(text.hasSuffix("Total parameters: 6,090"))
        #expect(!text.contains("?"))
    }
}
