import NumericalKit

/// How k-means picks its initial centres.
public enum KMeansInitialisation: Sendable, Equatable {
    /// Points at evenly spaced indices i * N / K (the LOCO author code, loco.md 4.2 step 3). Deterministic.
    case evenlySpaced
    /// k-means++ (D^2 sampling) from seeded streams of role `NPStreams.kMeansStart`: restart j of the f-th fit
    /// (`KMeans.fit(..., fit: f)`) of the projector of layer `layer` reads stream `kMeansStartIndex(layer:fit:restart:)`.
    case plusPlus(seed: UInt64, layer: Int = 0)
}

/// A k-means clustering of points (rows).
public struct KMeansResult: Sendable {
    /// K x d, centroid k in row k (the mean of its points; not renormalised).
    public let centroids: Matrix
    /// Cluster index of each point.
    public let assignments: [Int]
    /// Sum of squared distances of the points to their centroids.
    public let inertia: Double
    /// Lloyd iterations run (assignment + update).
    public let iterations: Int
    /// True when the last iteration changed no assignment.
    public let converged: Bool
}

/// Lloyd's k-means with Euclidean distance, deterministic for a given initialisation.
public enum KMeans {
    /// Clusters the rows of `points` (N x d) into `k` clusters. A cluster that loses all its points keeps its
    /// previous centre. With `.plusPlus`, the best of `restarts` runs (lowest inertia) is returned; `fit` numbers
    /// successive fits of one projector, so that each draws fresh starts.
    public static func fit(_ points: Matrix, clusters k: Int, initialisation: KMeansInitialisation = .evenlySpaced,
                           maxIterations: Int = 100, restarts: Int = 1, fit: Int = 0) throws -> KMeansResult {
        guard k >= 1 else { throw ProjectionError.invalidClusterCount(k) }
        guard points.rows > 0 else { throw ProjectionError.emptyInput("point set (buffer)") }
        guard points.rows >= k else { throw ProjectionError.tooFewPoints(points: points.rows, clusters: k) }
        guard maxIterations >= 1, (1...NPStreams.kMeansRestarts).contains(restarts) else {
            throw ParameterError("maxIterations must be at least 1 and restarts in 1...\(NPStreams.kMeansRestarts), got \(maxIterations), \(restarts)")
        }
        try requireFinite(points, "point set")
        switch initialisation {
        case .evenlySpaced:
            let start = Matrix(rows: k, columns: points.columns) { i, j in points[i * points.rows / k, j] }
            return lloyd(points, start: start, maxIterations: maxIterations)
        case .plusPlus(let seed, let layer):
            guard (0..<NPStreams.kMeansLayers).contains(layer), (0..<NPStreams.kMeansFits).contains(fit) else {
                throw ParameterError("k-means++ layer must lie in 0..<\(NPStreams.kMeansLayers) and fit in 0..<\(NPStreams.kMeansFits), got \(layer), \(fit)")
            }
            var best: KMeansResult?
            for run in 0..<restarts {
                let index = NPStreams.kMeansStartIndex(layer: layer, fit: fit, restart: run)
                let start = plusPlusCentres(points, k: k, stream: RandomStream(seed: seed, role: NPStreams.kMeansStart, index: index))
                let result = lloyd(points, start: start, maxIterations: maxIterations)
                if best == nil || result.inertia < best!.inertia { best = result }
            }
            return best!
        }
    }

    /// k-means++: the first centre uniformly, each next one with probability proportional to D(x)^2.
    static func plusPlusCentres(_ x: Matrix, k: Int, stream: RandomStream) -> Matrix {
        let (n, d) = (x.rows, x.columns)
        var chosen = [stream.integer(below: n)]
        var d2 = (0..<n).map { squaredDistance(x, $0, x, chosen[0]) }
        while chosen.count < k {
            let total = d2.reduce(0, +)
            var pick: Int
            if total > 0 {
                let target = stream.uniform() * total
                var acc = 0.0
                pick = n - 1
                for i in 0..<n { acc += d2[i]; if acc > target { pick = i; break } }
            } else {
                pick = (0..<n).first { !chosen.contains($0) } ?? 0  // all points coincide with the centres
            }
            chosen.append(pick)
            for i in 0..<n { d2[i] = min(d2[i], squaredDistance(x, i, x, pick)) }
        }
        return Matrix(rows: k, columns: d) { i, j in x[chosen[i], j] }
    }

    static func lloyd(_ x: Matrix, start: Matrix, maxIterations: Int) -> KMeansResult {
        let (n, d, k) = (x.rows, x.columns, start.rows)
        var centres = start
        var assignments = [Int](repeating: -1, count: n)
        let pointNorms = (0..<n).map { squaredDistance(x, $0, nil, 0) }
        var cross = Matrix(rows: n, columns: k)
        var sums = [Double](repeating: 0, count: k * d)
        var counts = [Int](repeating: 0, count: k)
        var iterations = 0
        var converged = false
        while iterations < maxIterations {
            iterations += 1
            // ||x - c||^2 = ||x||^2 - 2 x.c + ||c||^2, the cross term by one dgemm.
            Matrix.gemm(x, centres, transposeB: true, into: &cross)
            let centreNorms = (0..<k).map { squaredDistance(centres, $0, nil, 0) }
            var changed = false
            for i in 0..<n {
                var best = 0
                var bestDistance = Double.infinity
                for c in 0..<k {
                    let dist = pointNorms[i] - 2 * cross.elements[i * k + c] + centreNorms[c]
                    if dist < bestDistance { bestDistance = dist; best = c }
                }
                if assignments[i] != best { assignments[i] = best; changed = true }
            }
            for i in sums.indices { sums[i] = 0 }
            for c in 0..<k { counts[c] = 0 }
            x.elements.withUnsafeBufferPointer { xp in
                sums.withUnsafeMutableBufferPointer { sp in
                    for i in 0..<n {
                        let c = assignments[i]
                        counts[c] += 1
                        for j in 0..<d { sp[c * d + j] += xp[i * d + j] }
                    }
                }
            }
            for c in 0..<k where counts[c] > 0 {
                let scale = 1 / Double(counts[c])
                for j in 0..<d { centres.elements[c * d + j] = sums[c * d + j] * scale }
            }
            if !changed { converged = true; break }
        }
        let inertia = (0..<n).reduce(0.0) { $0 + squaredDistance(x, $1, centres, assignments[$1]) }
        return KMeansResult(centroids: centres, assignments: assignments, inertia: inertia, iterations: iterations, converged: converged)
    }

    /// ||a_i - b_j||^2 between rows (||a_i||^2 when b is nil).
    static func squaredDistance(_ a: Matrix, _ i: Int, _ b: Matrix?, _ j: Int) -> Double {
        let d = a.columns
        return a.elements.withUnsafeBufferPointer { ap in
            var s = 0.0
            if let b {
                b.elements.withUnsafeBufferPointer { bp in
                    for l in 0..<d { let t = ap[i * d + l] - bp[j * d + l]; s += t * t }
                }
            } else {
                for l in 0..<d { s += ap[i * d + l] * ap[i * d + l] }
            }
            return s
        }
    }
}
