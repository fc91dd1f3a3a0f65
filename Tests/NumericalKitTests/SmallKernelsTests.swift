import Foundation
import NumericalKit
import Testing

// SmallKernels against sums written out here term by term, on sizes that are not multiples of the kernels'
// blocks (8 lanes, 2 x 4 and 4 x 16 register blocks), with and without a row list.

private let productSizes: [(count: Int, n: Int, k: Int)] = [(10, 10, 100), (7, 13, 29), (1, 1, 1), (3, 5, 8), (11, 9, 17), (2, 4, 16), (5, 3, 7), (33, 6, 130)]

@Test(arguments: productSizes.indices, [false, true])
func gatheredProductsEqualTheirSumsTermByTerm(size: Int, gathered: Bool) {
    let (count, n, k) = productSizes[size]
    let stream = RandomStream(seed: UInt64(size), task: 1)
    let sourceRows = count + 5
    let x = stream.gaussians(sourceRows * k), w = stream.gaussians(n * k), d = stream.gaussians(count * n)
    let rows = gathered ? (0..<count).map { _ in stream.integer(below: sourceRows) } : Array(0..<count)
    var forward = [Double](repeating: .nan, count: count * n), backward = [Double](repeating: .nan, count: n * k)
    let alpha = 0.37
    x.withUnsafeBufferPointer { x in
        w.withUnsafeBufferPointer { w in
            d.withUnsafeBufferPointer { d in
                rows.withUnsafeBufferPointer { r in
                    let list = gathered ? r.baseAddress : nil
                    forward.withUnsafeMutableBufferPointer {
                        SmallKernels.gatherGemmNT(count: count, n: n, k: k, x.baseAddress!, rows: list, w.baseAddress!, into: $0.baseAddress!)
                    }
                    backward.withUnsafeMutableBufferPointer {
                        SmallKernels.gatherGemmTN(count: count, n: n, k: k, alpha: alpha, d.baseAddress!, x.baseAddress!, rows: list, into: $0.baseAddress!)
                    }
                }
            }
        }
    }
    // Each entry within 1e-14 of the sum of its terms' magnitudes (round-off of a sum of at most 130 terms).
    for p in 0..<count {
        for i in 0..<n {
            let terms = (0..<k).map { x[rows[p] * k + $0] * w[i * k + $0] }
            let magnitude = terms.reduce(0) { $0 + abs($1) }
            #expect(abs(forward[p * n + i] - terms.reduce(0, +)) <= 1e-14 * magnitude, "X_b W^T [\(p), \(i)] at \(productSizes[size])")
        }
    }
    for i in 0..<n {
        for j in 0..<k {
            let terms = (0..<count).map { alpha * d[$0 * n + i] * x[rows[$0] * k + j] }
            let magnitude = terms.reduce(0) { $0 + abs($1) }
            #expect(abs(backward[i * k + j] - terms.reduce(0, +)) <= 1e-14 * magnitude, "D^T X_b [\(i), \(j)] at \(productSizes[size])")
        }
    }
}

@Test func vectorTanhAgreesWithFoundationsTanhTo4e16Relative() {
    // Both branches (|x| < 0.625 rational, exp above), their joint, saturation and tiny values; an odd count.
    let stream = RandomStream(seed: 7, task: 1)
    var x: [Double] = [0, -0.0, 0.625, -0.625, 0.625.nextDown, 1e-300, -1e-8, 19.06, 20, 21, -25, 700, .infinity, -.infinity]
    for scale in [1e-8, 0.1, 0.7, 1, 3, 8, 25] { x += stream.uniforms(999, -scale, scale) }
    var value = [Double](repeating: .nan, count: x.count), derivative = value
    var input = x
    input.withUnsafeMutableBufferPointer { i in
        value.withUnsafeMutableBufferPointer { v in
            derivative.withUnsafeMutableBufferPointer { SmallKernels.tanhWithDerivative(count: x.count, i.baseAddress!, value: v.baseAddress!, derivative: $0.baseAddress!) }
        }
    }
    for (k, xk) in x.enumerated() {
        let t = Foundation.tanh(xk)
        #expect(abs(value[k] - t) <= 4e-16 * abs(t), "tanh(\(xk)) = \(value[k]), Foundation \(t)")
        #expect(value[k].sign == t.sign)
        // 1 - t^2, perhaps with the multiply and subtract fused (one rounding fewer).
        #expect(abs(derivative[k] - (1 - value[k] * value[k])) <= 2.3e-16, "1 - tanh^2 at \(xk)")
    }
    // NaN propagates; the output may overwrite the input.
    var y: [Double] = [.nan, 0.3, -2]
    y.withUnsafeMutableBufferPointer { SmallKernels.tanhWithDerivative(count: 3, $0.baseAddress!, value: $0.baseAddress!, derivative: nil) }
    #expect(y[0].isNaN)
    #expect(abs(y[1] - Foundation.tanh(0.3)) <= 4e-16 * Foundation.tanh(0.3) && abs(y[2] - Foundation.tanh(-2)) <= 4e-16 * 1)
}

@Test func theKernelsNameTheirInstructionSet() {
    #expect(["avx512", "avx2", "baseline", "portable"].contains(SmallKernels.instructionSet))
}
