import NumericalKit

/// Settings of the LOCO projector; defaults are the author code's (loco.md 4.2).
public struct LOCOConfiguration: Sendable, Equatable {
    /// K, number of k-means clusters of the direction buffer (`n_kmeans`).
    public var clusters = 10
    /// r, size of V = [mu, top r - 1 principal directions] (`n_pcas + n_kmeans` = 110).
    public var rank = 110
    /// OWM regularisation alpha in P_owm = I - U (U^T U + alpha I)^{-1} U^T; 0 (the code) is the exact complement.
    public var alpha = 0.0
    /// Ring-buffer capacity (`n_data`).
    public var bufferCapacity = 1000
    /// Lloyd iterations per clustering (the code's first fit runs 10).
    public var kMeansIterations = 10
    public var initialisation = KMeansInitialisation.evenlySpaced
    /// Gram-Schmidt keeps column i of P_owm V when its residual exceeds this fraction of ||P_owm V_i|| (step 7).
    public var residualThreshold = 0.1
    /// `LOCOProjectorBuilder` refits k-means once this many directions have been pushed since the last fit;
    /// 1 (the author code) refits every batch, loco.md 7.1's nonlinear variant refreshes every 200 steps.
    public var centroidRefresh = 1

    public init() {}

    public init(clusters: Int, rank: Int, alpha: Double = 0, bufferCapacity: Int = 1000, kMeansIterations: Int = 10,
                initialisation: KMeansInitialisation = .evenlySpaced, residualThreshold: Double = 0.1, centroidRefresh: Int = 1) {
        self.clusters = clusters
        self.rank = rank
        self.alpha = alpha
        self.bufferCapacity = bufferCapacity
        self.kMeansIterations = kMeansIterations
        self.initialisation = initialisation
        self.residualThreshold = residualThreshold
        self.centroidRefresh = centroidRefresh
    }

    func validate(dimension: Int) throws {
        guard clusters >= 1 else { throw ProjectionError.invalidClusterCount(clusters) }
        guard rank >= 1 else { throw ProjectionError.invalidRank(rank) }
        guard rank <= dimension else { throw ProjectionError.rankExceedsDimension(rank: rank, dimension: dimension) }
        guard alpha >= 0, alpha.isFinite else { throw ParameterError("alpha must be >= 0 and finite, got \(alpha)") }
        guard bufferCapacity >= 1 else { throw ParameterError("buffer capacity must be positive, got \(bufferCapacity)") }
        guard residualThreshold >= 0, residualThreshold < 1 else {
            throw ParameterError("residual threshold must lie in [0, 1), got \(residualThreshold)")
        }
        guard centroidRefresh >= 1 else {
            throw ParameterError("centroid refresh period must be at least 1 (1 = refit every batch), got \(centroidRefresh)")
        }
    }
}

/// One LOCO projector and how it was obtained.
public struct LOCOProjection: Sendable {
    /// P_low = Q Q^T, the applied projector (loco.md 4.2 step 8); apply with `projector.apply(G)`.
    public let projector: SubspaceProjector
    /// P_owm, the complement of the other clusters' centroids; nil when clustering was skipped (P_owm = I).
    public let removed: ComplementProjector?
    /// Index of the dropped (own) cluster, nil when clustering was skipped.
    public let ownCluster: Int?
    /// The k-means fit used, possibly an earlier batch's (`centroidRefresh`); nil when clustering was skipped.
    public let clustering: KMeansResult?
}

/// LOCO's low-rank cluster-orthogonal projector (loco.md 4.2 steps 3-8 and 4.4).
public enum LOCO {
    /// The batch mean x-bar of the rows of X.
    public static func batchMean(_ x: Matrix) -> [Double] {
        var mean = [Double](repeating: 0, count: x.columns)
        for i in 0..<x.rows { for j in 0..<x.columns { mean[j] += x[i, j] } }
        return mean.map { $0 / Double(max(x.rows, 1)) }
    }

    /// Steps 3-8 for the batch X (B x n_in rows, already augmented if wanted) against a buffer of unit
    /// directions (rows, N x n_in, which normally already holds this batch's mean direction): the k-means fit of
    /// `clustering(directions:configuration:)`, then `projection(batch:clustering:configuration:)`.
    public static func projection(batch x: Matrix, directions: Matrix, configuration c: LOCOConfiguration) throws -> LOCOProjection {
        try c.validate(dimension: x.columns)
        try PrincipalSubspace.validate(batch: x, rank: c.rank)
        guard directions.rows > 0 else { throw ProjectionError.emptyInput("direction buffer") }
        guard directions.columns == x.columns else {
            throw ProjectionError.dimensionMismatch(what: "direction buffer", expected: x.columns, got: directions.columns)
        }
        return try projection(batch: x, clustering: clustering(directions: directions, configuration: c), configuration: c)
    }

    /// Step 3: k-means of the buffer's directions (rows, N x n) into K clusters; nil (clustering skipped) when N < K.
    /// `fit` numbers a projector's successive fits (see `KMeansInitialisation.plusPlus`).
    public static func clustering(directions: Matrix, configuration c: LOCOConfiguration, fit: Int = 0) throws -> KMeansResult? {
        guard directions.rows > 0 else { throw ProjectionError.emptyInput("direction buffer") }
        try c.validate(dimension: directions.columns)
        try requireFinite(directions, "direction buffer")
        guard directions.rows >= c.clusters else { return nil }
        return try KMeans.fit(directions, clusters: c.clusters, initialisation: c.initialisation, maxIterations: c.kMeansIterations, fit: fit)
    }

    /// Steps 4-8 for the batch X against a k-means fit of the direction buffer, possibly an earlier one
    /// (`centroidRefresh`): drop the cluster whose centroid makes the smallest angle arccos|cos| with this batch's
    /// x-bar; P_owm = complement of the other K - 1 centroids (P_owm = I when `fit` is nil);
    /// V = [mu, top r - 1 principal directions]; Gram-Schmidt of P_owm V with the residual threshold; Q.
    public static func projection(batch x: Matrix, clustering fit: KMeansResult?, configuration c: LOCOConfiguration) throws -> LOCOProjection {
        try c.validate(dimension: x.columns)
        try PrincipalSubspace.validate(batch: x, rank: c.rank)
        let n = x.columns
        if let fit {
            guard fit.centroids.rows == c.clusters else {
                throw ParameterError("the k-means fit has \(fit.centroids.rows) centroids, the configuration \(c.clusters) clusters")
            }
            guard fit.centroids.columns == n else {
                throw ProjectionError.dimensionMismatch(what: "k-means centroids", expected: n, got: fit.centroids.columns)
            }
        }
        let xbar = batchMean(x)
        guard Vector.norm(xbar) > 0 else { throw ProjectionError.zeroVector("batch mean") }

        var removed: ComplementProjector?
        var own: Int?
        if let centroids = fit?.centroids {
            let xNorm = Vector.norm(xbar)
            var bestCos = -1.0
            var j = 0
            for k in 0..<c.clusters {
                let ck = centroids.row(k)
                let cn = Vector.norm(ck)
                let cosine = cn > 0 ? abs(Vector.dot(ck, xbar)) / (cn * xNorm) : 0
                if cosine > bestCos { bestCos = cosine; j = k }
            }
            let others = (0..<c.clusters).filter { $0 != j }
            if others.isEmpty {
                removed = ComplementProjector(removedBasis: Matrix(rows: n, columns: 0), weights: [])
            } else {
                let u = Matrix(rows: n, columns: others.count) { i, col in centroids[others[col], i] }
                removed = c.alpha > 0 ? try OWM.regularisedComplement(of: u, alpha: c.alpha) : try OWM.exactComplement(of: u)
            }
            own = j
        }

        let v = try PrincipalSubspace.directions(batch: x, rank: c.rank)
        let projected = removed?.apply(v) ?? v
        // Rows whose norm fell to roundoff (entirely in the removed span) are dropped whatever the threshold.
        let floor = 1e-10 * (0..<v.rows).reduce(0.0) { max($0, Vector.norm(v.row($1))) }
        let q = GramSchmidt.orthonormalBasis(rows: projected, residualThreshold: c.residualThreshold, absoluteFloor: floor)
        return LOCOProjection(projector: SubspaceProjector(orthonormalBasis: q), removed: removed, ownCluster: own, clustering: fit)
    }
}

/// Per-layer LOCO state across training steps: the direction buffer, updated with each batch (step 2), and the
/// k-means fit in use, refreshed every `configuration.centroidRefresh` pushes.
public struct LOCOProjectorBuilder: Sendable {
    public let configuration: LOCOConfiguration
    public private(set) var buffer: DirectionBuffer
    /// The k-means fit in use; nil until the buffer first holds K directions.
    public private(set) var clustering: KMeansResult?
    /// Directions pushed since `clustering` was fitted (0 right after a fit).
    public private(set) var pushesSinceFit = 0
    /// k-means fits made so far (each draws its own k-means++ starts).
    public private(set) var fits = 0

    public init(inputDimension n: Int, configuration: LOCOConfiguration = LOCOConfiguration()) throws {
        try configuration.validate(dimension: n)
        self.configuration = configuration
        buffer = try DirectionBuffer(dimension: n, capacity: configuration.bufferCapacity)
    }

    /// Pushes the batch's mean direction into the buffer, refits k-means if none is in use yet or
    /// `centroidRefresh` pushes have passed since the last fit, then builds the projector for this batch
    /// (own cluster, P_owm and principal directions are always this batch's).
    public mutating func projection(for batch: Matrix) throws -> LOCOProjection {
        try record(batch)
        if clustering == nil || pushesSinceFit >= configuration.centroidRefresh { try refreshCentroids() }
        return try LOCO.projection(batch: batch, clustering: clustering, configuration: configuration)
    }

    /// Step 2 alone: pushes the batch's mean direction into the buffer (a warm-up needs no projector; the next
    /// `projection(for:)` or `refreshCentroids()` fits the buffer as it then stands).
    public mutating func record(_ batch: Matrix) throws {
        guard batch.columns == buffer.dimension else {
            throw ProjectionError.dimensionMismatch(what: "batch", expected: buffer.dimension, got: batch.columns)
        }
        guard batch.rows > 0 else { throw ProjectionError.emptyInput("batch") }
        try buffer.push(LOCO.batchMean(batch))
        pushesSinceFit += 1
    }

    /// Refits k-means to the buffer now (kept nil while it holds fewer than K directions) and restarts the
    /// refresh count, e.g. at the end of a warm-up so that training starts from the full buffer's centroids.
    public mutating func refreshCentroids() throws {
        guard buffer.count > 0 else { return }
        clustering = try LOCO.clustering(directions: buffer.directions, configuration: configuration, fit: fits)
        if clustering != nil { pushesSinceFit = 0; fits += 1 }
    }
}
