import NumericalKit

extension ClusteredTask {
    /// The nonlinear teacher of loco.md section 7.1 for a student of `widths` (n, hidden..., n_out): the first
    /// layer's rows are orthogonal to the common mode (the all-ones direction projected out) with entries scaled to
    /// 1.5/sqrt(n), so the teacher ignores the common mode; later layers ~ N(0, 1/n_{l-1}). Drawn in layer order
    /// from stream `NPStreams.teacher` of `seed`.
    public static func nonlinearTeacher(widths: [Int], activations: [Activation], seed: UInt64) throws -> MLP {
        guard widths.count >= 3, widths.allSatisfy({ $0 > 0 }) else {
            throw ParameterError("a nonlinear teacher needs at least one hidden layer and positive widths, got \(widths)")
        }
        let stream = RandomStream(seed: seed, role: NPStreams.teacher)
        let n = widths[0]
        var first = Matrix(rows: widths[1], columns: n, elements: stream.gaussians(widths[1] * n))
        let scale = 1.5 / Double(n).squareRoot()
        for i in 0..<first.rows {
            let mean = (0..<n).reduce(0.0) { $0 + first[i, $1] } / Double(n)
            for j in 0..<n { first[i, j] = (first[i, j] - mean) * scale }
        }
        let later = (2..<widths.count).map { l in
            Matrix(rows: widths[l], columns: widths[l - 1],
                   elements: stream.gaussians(widths[l] * widths[l - 1], sigma: 1 / Double(widths[l - 1]).squareRoot()))
        }
        return try MLP(weights: [first] + later, activations: activations)
    }
}
