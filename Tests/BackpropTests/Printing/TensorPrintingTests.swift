import Testing
import Backprop

/// The exact text of `print(tensor)`: header, alignment, digits, summarisation.
@Suite("Tensor printing")
struct TensorPrintingTests {
    @Test func smallMatrixLinesUpUnderTheFirstRow() {
        #expect("\(Tensor<Double>([[1, 2], [3, 4]]))" == """
            Tensor<Double>([2, 2]) [[1.0, 2.0],
                                    [3.0, 4.0]]
            """)
    }

    @Test func columnsShareDigitsAndWidth() {
        #expect("\(Tensor<Float>([0.1, 0.25, -3]))" == "Tensor<Float>([3]) [ 0.10,  0.25, -3.00]")
        #expect("\(Tensor<Double>([[1, -20.5], [300, 4]]))" == """
            Tensor<Double>([2, 2]) [[  1.0, -20.5],
                                    [300.0,   4.0]]
            """)
    }

    @Test func floatsPrintTheirShortestDigitsNotTheBinaryTail() {
        // 0.3 as a Float is 0.300000011920928955078125: printed as 0.3, padded with zeros.
        #expect("\(Tensor<Float>([0.3, 1]))" == "Tensor<Float>([2]) [0.3, 1.0]")
        #expect("\(Tensor<Float>([0.3, 0.123]))" == "Tensor<Float>([2]) [0.300, 0.123]")
    }

    @Test func atMostEightFractionalDigits() {
        #expect("\(Tensor<Double>([0.123456789123, 1]))" == "Tensor<Double>([2]) [0.12345679, 1.00000000]")
        #expect(Tensor<Double>([1.0 / 3]).formatted(precision: 3) == "Tensor<Double>([1]) [0.333]")
        // Rounding to 8 digits leaves no trailing zeros (NumPy prints 0.1 too).
        #expect("\(Tensor<Double>([0.100000000001, 2]))" == "Tensor<Double>([2]) [0.1, 2.0]")
        #expect("\(Tensor<Double>([1.5e-9, 1.000000000001e-9]))" == "Tensor<Double>([2]) [1.5e-09, 1.0e-09]")
    }

    @Test func scalarAndEmptyTensors() {
        #expect("\(Tensor<Double>(3.5))" == "Tensor<Double>([]) 3.5")
        #expect("\(Tensor<Float>(-2))" == "Tensor<Float>([]) -2.0")
        #expect("\(Tensor<Double>.zeros(shape: [0, 3]))" == "Tensor<Double>([0, 3]) []")
        #expect("\(Tensor<Float>.zeros(shape: [0]))" == "Tensor<Float>([0]) []")
    }

    @Test func nanAndInfinities() {
        #expect("\(Tensor<Double>([.nan, .infinity, -.infinity, 1.5]))" == "Tensor<Double>([4]) [ nan,  inf, -inf,  1.5]")
        #expect("\(Tensor<Float>([.nan]))" == "Tensor<Float>([1]) [nan]")
    }

    @Test func scientificNotationForWideRanges() {
        #expect("\(Tensor<Double>([1e9, 1, 2.5]))" == "Tensor<Double>([3]) [1.0e+09, 1.0e+00, 2.5e+00]")
        #expect("\(Tensor<Float>([0.3, 1e-5]))" == "Tensor<Float>([2]) [3.0e-01, 1.0e-05]")
        #expect("\(Tensor<Double>([0, 1e-5]))" == "Tensor<Double>([2]) [0.0e+00, 1.0e-05]")
        // Zero and non-finite values do not decide the notation.
        #expect("\(Tensor<Double>([0, .infinity, 2]))" == "Tensor<Double>([3]) [0.0, inf, 2.0]")
    }

    @Test func rank3BlocksAreSeparatedByABlankLine() {
        let t = Tensor<Double>(shape: [2, 2, 3], scalars: (0..<12).map { Double($0) })
        #expect("\(t)" == """
            Tensor<Double>([2, 2, 3]) [[[ 0.0,  1.0,  2.0],
                                        [ 3.0,  4.0,  5.0]],

                                       [[ 6.0,  7.0,  8.0],
                                        [ 9.0, 10.0, 11.0]]]
            """)
    }

    @Test func longRowsWrapAtSeventyFiveColumnsOfValues() {
        let t = Tensor<Double>(shape: [30], scalars: (0..<30).map { Double($0) * 1.5 })
        #expect("\(t)" == """
            Tensor<Double>([30]) [ 0.0,  1.5,  3.0,  4.5,  6.0,  7.5,  9.0, 10.5, 12.0, 13.5, 15.0, 16.5,
                                  18.0, 19.5, 21.0, 22.5, 24.0, 25.5, 27.0, 28.5, 30.0, 31.5, 33.0, 34.5,
                                  36.0, 37.5, 39.0, 40.5, 42.0, 43.5]
            """)
    }

    @Test func largeTensorsAreSummarisedToThreeEdgeItems() {
        let t = Tensor<Float>(shape: [100, 100], scalars: (0..<10_000).map { 1000 + Float($0) / 8 })
        // 50,200 characters before summarising; now 7 lines.
        #expect("\(t)" == """
            Tensor<Float>([100, 100]) [[1000.000, 1000.125, 1000.250, ..., 1012.125, 1012.250, 1012.375],
                                       [1012.500, 1012.625, 1012.750, ..., 1024.625, 1024.750, 1024.875],
                                       [1025.000, 1025.125, 1025.250, ..., 1037.125, 1037.250, 1037.375],
                                       ...,
                                       [2212.500, 2212.625, 2212.750, ..., 2224.625, 2224.750, 2224.875],
                                       [2225.000, 2225.125, 2225.250, ..., 2237.125, 2237.250, 2237.375],
                                       [2237.500, 2237.625, 2237.750, ..., 2249.625, 2249.750, 2249.875]]
            """)
    }

    @Test(arguments: [(1000, false), (1001, true)])
    func summarisedAboveAThousandElements(count: Int, summarised: Bool) {
        let t = Tensor<Double>.zeros(shape: [count])
        #expect(t.description.contains("...") == summarised)
        #expect(t.description.hasPrefix("Tensor<Double>([\(count)]) [0.0, 0.0"))
    }

    @Test func everyValueOnRequest() {
        let t = Tensor<Double>(shape: [40, 40], scalars: (0..<1600).map { Double($0 % 10) })
        let full = t.formatted(threshold: .max)
        #expect(!full.contains("..."))
        #expect(full.split(separator: "\n").count == 120, "each row of 40 (200 columns) wraps twice")
        #expect(full.filter { $0 == "," }.count == 1 + 1599, "the header's and one after every value but the last")
        #expect(t.formatted(threshold: 10, edgeItems: 1) == """
            Tensor<Double>([40, 40]) [[0.0, ..., 9.0],
                                      ...,
                                      [0.0, ..., 9.0]]
            """)
    }

    @Test func formattingATracedValueIsAnError() {
        let text = TensorProgramErrorTests.message {
            _ = try TensorProgram(inputs: [Tensor<Double>([1, 2])]) { x in
                let y = x[0] * 2
                _ = y.formatted()
                return [y]
            }
        }
        #expect(text?.contains("reading `formatted`") == true, "\(text ?? "nothing thrown")")
    }
}
