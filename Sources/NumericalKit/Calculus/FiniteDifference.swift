/// Jacobians by central finite differences, the independent check of every analytic Jacobian.
public enum FiniteDifference {
    /// d f / d y at `y` (row-major n x n), with step h_j = step * max(1, |y_j|); error O(h^2).
    public static func jacobian(of field: VectorField, at y: [Double], t: Double = 0, step: Double = 1e-6) -> Matrix {
        let n = y.count
        var jacobian = Matrix(rows: n, columns: n)
        var plus = y, minus = y
        var fPlus = [Double](repeating: 0, count: n), fMinus = [Double](repeating: 0, count: n)
        for j in 0..<n {
            let h = step * max(1, abs(y[j]))
            plus[j] = y[j] + h
            minus[j] = y[j] - h
            plus.withUnsafeBufferPointer { p in fPlus.withUnsafeMutableBufferPointer { field(t, p, $0) } }
            minus.withUnsafeBufferPointer { p in fMinus.withUnsafeMutableBufferPointer { field(t, p, $0) } }
            for i in 0..<n { jacobian[i, j] = (fPlus[i] - fMinus[i]) / (2 * h) }
            plus[j] = y[j]
            minus[j] = y[j]
        }
        return jacobian
    }
}
