/// Layer sizes of a two-layer network M -> N -> 1 (inputs, hidden neurons, one output).
public struct NetworkShape: Equatable, Sendable, Codable {
    public let inputs: Int
    public let hidden: Int

    public init(inputs: Int, hidden: Int) throws {
        guard inputs > 0 else { throw ParameterError("the number of inputs M must be positive, got \(inputs)") }
        guard hidden > 0 else { throw ParameterError("the number of hidden neurons N must be positive, got \(hidden)") }
        self.inputs = inputs
        self.hidden = hidden
    }

    /// The compression ratio c = M / N of the curl-descent theory.
    public var ratio: Double { Double(inputs) / Double(hidden) }

    /// Number of weights: N*M in W1 plus N in W2.
    public var parameterCount: Int { hidden * inputs + hidden }
}
