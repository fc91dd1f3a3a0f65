import NumericalKit

/// The student-teacher task of loco.md section 7.1: clustered, low-rank inputs with a common mode, like rate codes,
///
///     x = m_cm 1/sqrt(n) + c_k + U_k z + s eps,   z ~ N(0, I_r), eps ~ N(0, I_n),
///
/// and a linear teacher W* (n_out x n). Setting S1: the centroids c_k and bases U_k are mutually orthogonal and
/// orthogonal to the common mode, and the teacher ignores the common mode (W* = W_raw Pi sqrt(n / |span|)).
/// Setting S2: random centroids and bases, teacher W_raw.
public struct ClusteredTask: Sendable {
    public enum Setting: String, Sendable, CaseIterable { case s1, s2 }

    public let setting: Setting
    public let inputs: Int
    public let outputs: Int
    public let clusterRank: Int
    public let commonMode: Double
    public let noise: Double
    /// c_k, one per cluster (length n, norm 2).
    public let centroids: [[Double]]
    /// U_k, one per cluster (n x r, orthonormal columns).
    public let bases: [Matrix]
    /// W* (n_out x n).
    public let teacher: Matrix

    /// The section 7.1 defaults: n = 100, n_out = 10, K = 8 clusters of rank 4, m_cm = 3, s = 0.1.
    public init(setting: Setting, inputs: Int = 100, outputs: Int = 10, clusters: Int = 8, clusterRank: Int = 4,
                commonMode: Double = 3, noise: Double = 0.1, seed: UInt64) throws {
        guard inputs >= 1 + clusters * (clusterRank + 1), outputs >= 1, clusters >= 1, clusterRank >= 1 else {
            throw ParameterError("need n >= 1 + K (r + 1) inputs for K = \(clusters) clusters of rank \(clusterRank), got \(inputs)")
        }
        guard noise >= 0, commonMode >= 0 else { throw ParameterError("noise and common mode must be non-negative") }
        let stream = RandomStream(seed: seed, role: NPStreams.task)
        let n = inputs
        var centroids: [[Double]] = []
        var bases: [Matrix] = []
        let raw = Matrix(rows: outputs, columns: n, elements: stream.gaussians(outputs * n, sigma: 1 / Double(n).squareRoot()))
        switch setting {
        case .s1:
            // One Gram-Schmidt of [1, Gaussian n x K(r+1)]: column 0 is the common mode, then K centroid
            // directions, then K bases of r columns, all mutually orthogonal.
            let span = clusters * (clusterRank + 1)
            let columns = Self.orthonormalized([[Double](repeating: 1, count: n)] + (0..<span).map { _ in stream.gaussians(n) })
            centroids = (0..<clusters).map { k in columns[1 + k].map { 2 * $0 } }
            bases = (0..<clusters).map { k in
                let cols = (0..<clusterRank).map { columns[1 + clusters + k * clusterRank + $0] }
                return Matrix(rows: n, columns: clusterRank) { i, j in cols[j][i] }
            }
            // W* = W_raw Pi sqrt(n / span): Pi projects onto the union of the cluster subspaces.
            let union = Matrix(rows: n, columns: span) { i, j in columns[1 + j][i] }
            let projected = (raw * union) * union.transposed
            teacher = Matrix(rows: outputs, columns: n, elements: projected.elements.map { $0 * (Double(n) / Double(span)).squareRoot() })
        case .s2:
            for _ in 0..<clusters {
                let c = stream.gaussians(n)
                let norm = Vector.norm(c)
                centroids.append(c.map { 2 * $0 / norm })
                let cols = Self.orthonormalized((0..<clusterRank).map { _ in stream.gaussians(n) })
                bases.append(Matrix(rows: n, columns: clusterRank) { i, j in cols[j][i] })
            }
            teacher = raw
        }
        self.setting = setting
        self.inputs = n
        self.outputs = outputs
        self.clusterRank = clusterRank
        self.commonMode = commonMode
        self.noise = noise
        self.centroids = centroids
        self.bases = bases
    }

    public var clusters: Int { centroids.count }

    /// `count` inputs of cluster `k` (rows of the returned count x n matrix).
    public func sample(cluster k: Int, count: Int, stream: RandomStream) -> Matrix {
        precondition((0..<clusters).contains(k) && count >= 0)
        let n = inputs
        let mode = commonMode / Double(n).squareRoot()
        var x = Matrix(rows: count, columns: n)
        for b in 0..<count {
            let z = stream.gaussians(clusterRank)
            let spread = bases[k] * z
            for i in 0..<n { x[b, i] = mode + centroids[k][i] + spread[i] + noise * stream.gaussian() }
        }
        return x
    }

    /// `count` inputs, each from a uniformly drawn cluster.
    public func sampleMixed(count: Int, stream: RandomStream) -> Matrix {
        Matrix((0..<count).map { _ in sample(cluster: stream.integer(below: clusters), count: 1, stream: stream).row(0) })
    }

    /// The evaluation set of loco.md 7.1: `perCluster` inputs from each cluster in turn (125 each in the paper).
    public func evaluationSet(perCluster: Int, stream: RandomStream) -> Matrix {
        let blocks = (0..<clusters).map { sample(cluster: $0, count: perCluster, stream: stream).elements }
        return Matrix(rows: clusters * perCluster, columns: inputs, elements: blocks.flatMap { $0 })
    }

    /// A training batch of loco.md 7.2: a uniformly drawn cluster and `count` inputs from it, or, with `mixed`
    /// (LOCO's failure mode), inputs from independently drawn clusters (the drawn cluster is then only a label).
    public func trainingBatch(count: Int, mixed: Bool, stream: RandomStream) -> (cluster: Int, inputs: Matrix) {
        let cluster = stream.integer(below: clusters)
        return (cluster, mixed ? sampleMixed(count: count, stream: stream) : sample(cluster: cluster, count: count, stream: stream))
    }

    /// The teacher's targets W* x for the rows of `x`.
    public func targets(_ x: Matrix) -> Matrix { x * teacher.transposed }

    /// Orthonormal vectors spanning the given ones, in order (modified Gram-Schmidt, applied twice for accuracy).
    static func orthonormalized(_ vectors: [[Double]]) -> [[Double]] {
        var q: [[Double]] = []
        for v in vectors {
            var w = v
            for _ in 0..<2 {
                for u in q {
                    let d = Vector.dot(u, w)
                    for i in w.indices { w[i] -= d * u[i] }
                }
            }
            let norm = Vector.norm(w)
            q.append(w.map { $0 / norm })
        }
        return q
    }
}
