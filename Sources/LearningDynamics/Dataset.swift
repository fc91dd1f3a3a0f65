import NumericalKit

/// Samples labelled by a teacher: inputs as the rows of a P x M matrix, one target per row.
public struct Dataset: Equatable, Sendable {
    public let inputs: Matrix
    public let targets: [Double]

    public init(inputs: Matrix, targets: [Double]) {
        precondition(inputs.rows == targets.count, "\(inputs.rows) inputs but \(targets.count) targets")
        self.inputs = inputs
        self.targets = targets
    }

    public var count: Int { targets.count }

    /// `count` inputs x ~ N(0, inputVariance I) labelled by the teacher's output.
    public static func labelled(by teacher: TwoLayerWeights, activation: NetworkActivation, count: Int, inputVariance: Double,
                                stream: RandomStream) -> Dataset {
        let m = teacher.w1.columns
        let x = Matrix(rows: count, columns: m, elements: stream.gaussians(count * m, sigma: inputVariance.squareRoot()))
        return Dataset(inputs: x, targets: Network.outputs(of: teacher, activation: activation, on: x))
    }
}

/// The training and test sets of one task, drawn once from the seed's data stream (training set first)
/// and shared by every rule and start, as in the reference's paired design.
public struct TaskData: Equatable, Sendable {
    public let train: Dataset
    public let test: Dataset

    public static let defaultTestCount = 100

    public init(train: Dataset, test: Dataset) {
        self.train = train
        self.test = test
    }

    public init(teacher: TwoLayerWeights, activation: NetworkActivation, trainCount: Int, testCount: Int = defaultTestCount,
                inputVariance: Double = LinearFlow.defaultInputVariance, seed: UInt64) throws {
        guard trainCount > 0 else { throw ParameterError("the training set needs at least one sample, got \(trainCount)") }
        guard testCount > 0 else { throw ParameterError("the test set needs at least one sample, got \(testCount)") }
        guard inputVariance > 0, inputVariance.isFinite else { throw ParameterError("the input variance must be positive") }
        let stream = RandomStream(seed: seed, role: SeedStream.data)
        train = .labelled(by: teacher, activation: activation, count: trainCount, inputVariance: inputVariance, stream: stream)
        test = .labelled(by: teacher, activation: activation, count: testCount, inputVariance: inputVariance, stream: stream)
    }
}

/// Forward passes of a two-layer network: a1 = W1 x, h = phi(a1), a2 = W2 h, y = psi(a2).
public enum Network {
    /// The outputs on every row of `inputs`.
    public static func outputs(of weights: TwoLayerWeights, activation: NetworkActivation, on inputs: Matrix) -> [Double] {
        precondition(inputs.columns == weights.w1.columns)
        var a1 = Matrix(rows: inputs.rows, columns: weights.w1.rows)
        Matrix.gemm(inputs, weights.w1, transposeB: true, into: &a1)
        for k in a1.elements.indices { a1.elements[k] = activation.hidden.value(a1.elements[k]) }
        return (a1 * weights.w2).map(activation.output.value)
    }

    /// The mean squared error 1/2 mean (y_hat - y)^2 on a data set (the reference's train and test error).
    public static func loss(of weights: TwoLayerWeights, activation: NetworkActivation, on data: Dataset) -> Double {
        let predictions = outputs(of: weights, activation: activation, on: data.inputs)
        return 0.5 * zip(predictions, data.targets).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / Double(data.count)
    }
}
