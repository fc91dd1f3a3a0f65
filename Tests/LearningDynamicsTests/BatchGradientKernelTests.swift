import LearningDynamics
import NumericalKit
import Testing

// The fused minibatch kernel against the BLAS oracle: same gradient and loss to 1e-12 relative, for every
// activation, with and without an output nonlinearity and feedback alignment, at sizes that are not multiples of 8,
// on a partial last minibatch, and with the samples read through a row list (as the discrete protocol does).

private struct KernelCase: CustomTestStringConvertible, Sendable {
    let inputs: Int, hidden: Int, capacity: Int, count: Int
    var testDescription: String { "M=\(inputs) N=\(hidden) B=\(capacity) count=\(count)" }
}

private let kernelCases = [
    KernelCase(inputs: 100, hidden: 10, capacity: 10, count: 10),  // the Fig. 5 network, B = 10
    KernelCase(inputs: 100, hidden: 10, capacity: 10, count: 3),   // its last, smaller minibatch
    KernelCase(inputs: 13, hidden: 7, capacity: 9, count: 9),
    KernelCase(inputs: 29, hidden: 3, capacity: 5, count: 4),
    KernelCase(inputs: 1, hidden: 1, capacity: 2, count: 1),
    KernelCase(inputs: 62, hidden: 17, capacity: 40, count: 37),
]

@Test(arguments: Activation.allCases, kernelCases)
private func fusedKernelEqualsTheBLASOracle(activation: Activation, kase: KernelCase) throws {
    let shape = try NetworkShape(inputs: kase.inputs, hidden: kase.hidden)
    let stream = RandomStream(seed: UInt64(kase.inputs * 31 + kase.hidden), task: 1)
    let sourceRows = 3 * kase.capacity + 2
    let x = stream.gaussians(sourceRows * kase.inputs, sigma: 0.7)
    let y = stream.gaussians(sourceRows, sigma: 0.5)
    let rows = (0..<kase.count).map { _ in stream.integer(below: sourceRows) }
    let theta = stream.gaussians(shape.parameterCount, sigma: 2 / Double(kase.inputs).squareRoot())
    let feedback = stream.uniforms(kase.hidden, -1, 1)
    for output in [activation, .linear] {
        for b in [nil, feedback] {
            for gathered in [true, false] {
                let network = NetworkActivation(hidden: activation, output: output)
                let fused = BatchGradient(shape: shape, activation: network, capacity: kase.capacity, feedback: b, kernel: .fused)
                let oracle = BatchGradient(shape: shape, activation: network, capacity: kase.capacity, feedback: b, kernel: .blas)
                let (g, loss) = evaluate(fused, theta, x, y, gathered ? rows : nil, kase.count)
                let (expected, expectedLoss) = evaluate(oracle, theta, x, y, gathered ? rows : nil, kase.count)
                let nm = kase.inputs * kase.hidden
                let label = "\(network) feedback: \(b != nil) gathered: \(gathered)"
                for (range, name) in [(0..<nm, "g1"), (nm..<(nm + kase.hidden), "g2")] {
                    let scale = range.map { abs(expected[$0]) }.max()!
                    let error = range.map { abs(g[$0] - expected[$0]) }.max()!
                    #expect(error <= 1e-12 * scale, "\(name): max error \(error), max |g| \(scale); \(label)")
                    #expect(scale > 0, "\(name) vanishes, so the comparison checks nothing; \(label)")
                }
                #expect(abs(loss - expectedLoss) <= 1e-12 * expectedLoss, "loss \(loss) vs \(expectedLoss); \(label)")
            }
        }
    }
}

@Test func theSmallTanhNetworkGetsTheFusedKernelAndALargeOneBLAS() throws {
    #expect(BatchGradient.Kernel.automatic(for: try NetworkShape(inputs: 100, hidden: 10)) == .fused)
    #expect(BatchGradient.Kernel.automatic(for: try NetworkShape(inputs: 2000, hidden: 2000)) == .blas)
}

private func evaluate(_ kernel: BatchGradient, _ theta: [Double], _ x: [Double], _ y: [Double], _ rows: [Int]?, _ count: Int)
    -> (gradient: [Double], loss: Double) {
    let m = kernel.shape.inputs
    // Without a row list the kernel reads the first `count` rows; give it the same samples as the row list would.
    let order = rows ?? Array(0..<count)
    let xs = rows == nil ? order.flatMap { x[($0 * m)..<(($0 + 1) * m)] } : x
    let ys = rows == nil ? order.map { y[$0] } : y
    var g = [Double](repeating: .nan, count: kernel.shape.parameterCount)
    let loss = theta.withUnsafeBufferPointer { t in
        xs.withUnsafeBufferPointer { xp in
            ys.withUnsafeBufferPointer { yp in
                order.withUnsafeBufferPointer { r in
                    g.withUnsafeMutableBufferPointer {
                        kernel.evaluate(theta: t.baseAddress!, inputs: xp.baseAddress!, targets: yp.baseAddress!,
                                        rows: rows == nil ? nil : r.baseAddress!, count: count, into: $0.baseAddress!)
                    }
                }
            }
        }
    }
    return (g, loss)
}
