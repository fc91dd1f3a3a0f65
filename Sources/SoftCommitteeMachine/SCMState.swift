import NumericalKit

/// The student's order parameters: Q = w w^T / N, Q~ = w D1 w^T / N, R = w w*^T / N, R~ = w D1 w*^T / N and the
/// readout v. Without input flips Q~ = Q and R~ = R.
public struct SCMState: Sendable, Equatable {
    /// Q (K x K, symmetric).
    public var q: Matrix
    /// Q~ (K x K, symmetric).
    public var qTilde: Matrix
    /// R (K x M).
    public var r: Matrix
    /// R~ (K x M).
    public var rTilde: Matrix
    /// v (length K).
    public var v: [Double]

    public var students: Int { v.count }
    public var teachers: Int { r.columns }

    public init(q: Matrix, qTilde: Matrix? = nil, r: Matrix, rTilde: Matrix? = nil, v: [Double]) {
        precondition(q.rows == v.count && q.columns == v.count && r.rows == v.count, "Q must be K x K and R K x M, K = |v|")
        self.q = q
        self.qTilde = qTilde ?? q
        self.r = r
        self.rTilde = rTilde ?? r
        self.v = v
        precondition(self.qTilde.rows == q.rows && self.qTilde.columns == q.columns && self.rTilde.rows == r.rows
                     && self.rTilde.columns == r.columns, "Q~ and R~ must match Q and R")
    }

    /// The order parameters of explicit weights: student first layer `w` (K x N), readout `v`, teacher first layer
    /// `teacher` (M x N) and input flips `d1` (N entries of +-1; nil: none).
    public static func measure(student w: Matrix, readout v: [Double], teacher: Matrix, d1: [Double]? = nil) -> SCMState {
        let n = w.columns
        precondition(teacher.columns == n && v.count == w.rows && (d1?.count ?? n) == n)
        let wt = w.transposed, tt = teacher.transposed
        var flipped = w
        if let d1 { for k in 0..<w.rows { for i in 0..<n { flipped[k, i] *= d1[i] } } }
        let scale = 1 / Double(n)
        func overlap(_ a: Matrix, _ b: Matrix) -> Matrix {
            var m = a * b
            m.elements = m.elements.map { $0 * scale }
            return m
        }
        var q = overlap(w, wt), qt = overlap(flipped, wt)
        let r = overlap(w, tt), rt = overlap(flipped, tt)
        // Symmetrise against round-off in the products.
        for k in 0..<q.rows { for l in 0..<k { q[l, k] = q[k, l]; qt[l, k] = qt[k, l] } }
        return SCMState(q: q, qTilde: qt, r: r, rTilde: rt, v: v)
    }

    /// The teacher's T and T~ for explicit teacher weights (M x N) and flips.
    public static func teacherOverlaps(_ teacher: Matrix, d1: [Double]? = nil) -> (t: Matrix, tTilde: Matrix) {
        let s = measure(student: teacher, readout: Array(repeating: 0, count: teacher.rows), teacher: teacher, d1: d1)
        return (s.q, s.qTilde)
    }
}
