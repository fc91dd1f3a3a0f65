import Foundation
import NumericalKit

/// The estimator study of loco.md section 5.3: for a fixed network state and one minibatch, R node-perturbation
/// draws shared by every variant (common random numbers); per perturbed layer l and per variant P, statistics of
/// the projected estimate G-hat^P_l = (1/B) sum_b g-hat_{l,b} (P x_{l-1,b})^T beside the closed forms of 5.1
/// (with the exact output-layer correction of 2.3 when only the output layer is perturbed).
///
/// Every statistic is a quadratic form in the node factors g-hat_l (B x n_l): with Gamma = (PX)(PX)^T and
/// K = (PX) Sigma' (PX)^T (both B x B), |G-hat^P|^2 = <g-hat, Gamma g-hat>/B^2 and mean_e |G-hat^P x'_e|^2 =
/// <g-hat, K g-hat>/B^2. A draw therefore costs O(B^2 n_l) per variant after the estimator's passes, and no
/// n_l x n_{l-1} matrix is formed per draw.
public struct VarianceStudy: Sendable {
    /// One projection variant's statistics for one layer over the draws.
    public struct Variant: Sendable {
        public let name: String
        /// E|G-hat - M|^2 (trace variance) and its standard error (batch means over the draws).
        public let weightVariance: Double
        public let weightVarianceError: Double
        /// V_w / |G_BP|^2, the relative variance.
        public let relativeVariance: Double
        /// E mean_e |(G-hat - M) x'_e|^2 over the evaluation inputs' presynaptic activities x'_e.
        public let functionVariance: Double
        /// cos(M, G_BP): how well the mean points along the true gradient (nan when P annihilates the batch).
        public let cosine: Double
        /// |M - G_BP P| / |G_BP|: the bias against the projected true gradient (O(sigma^2) + Monte Carlo error).
        public let relativeBias: Double
        /// V_w / V_w(NP) and V_fn / V_fn(NP), with 95% confidence half-widths (batch means over the draws).
        public let weightRatio: Double
        public let weightRatioHalfWidth: Double
        public let functionRatio: Double
        public let functionRatioHalfWidth: Double
        /// The closed forms (loco.md 5.1): sum_b v_b |P x_b|^2 / sum_b v_b |x_b|^2, and V_w, V_fn themselves.
        public let predictedWeightRatio: Double
        public let predictedWeightVariance: Double
        public let predictedFunctionVariance: Double
        /// V_fn(closed form) / V_fn(NP, closed form).
        public let predictedFunctionRatio: Double
        /// mean_b |P x_b|^2 / |x_b|^2.
        public let keptInputFraction: Double
        /// The descent figure D = <grad L, M>^2 / E tr(G-hat Sigma' G-hat^T) of loco.md 2.4, grad L the gradient
        /// of the evaluation loss; nil except for the output layer, the only layer in which the loss is quadratic
        /// (Hessian I x Sigma').
        public let descent: Descent?
    }

    /// A descent figure from the draws, its ratio to NP's, and its closed form
    /// <grad L, G_BP P>^2 / (mean_e |G_BP P x'_e|^2 + V_fn(closed form)).
    public struct Descent: Sendable {
        public let figure: Double
        public let ratio: Double
        public let closedForm: Double
    }

    /// The variants of one perturbed layer (`index` from 0: the spec's l = index + 1).
    public struct Layer: Sendable {
        public let index: Int
        public let variants: [Variant]
    }

    public let layers: [Layer]
    public let draws: Int

    /// Blocks of consecutive draws, for standard errors and ratio intervals by batch means.
    static let blocks = 20

    /// Runs the study on `network` at its current weights. `variants[l]` pairs names with projectors acting on
    /// layer l's presynaptic side (n_{l-1} wide); the first of each layer is the reference of the ratios (plain NP,
    /// the identity). Layers outside `perturbed` are not studied and may have no variants. `evaluation` (with its
    /// teacher outputs) defines Sigma' and the evaluation loss. Draw k uses node-noise draw k of `seed`;
    /// results do not depend on `threads`.
    public init(network: MLP, batch x: Matrix, targets: Matrix, evaluation: Matrix, evaluationTargets: Matrix,
                variants: [[(String, any PresynapticProjector)]], perturbed: PerturbedLayers = .all,
                sigma: Double, draws: Int, seed: UInt64, threads: Int = 2) throws {
        guard draws >= Self.blocks else { throw ParameterError("the study needs at least \(Self.blocks) draws, got \(draws)") }
        let estimator = try NodePerturbationEstimator(sigma: sigma, layers: perturbed)
        let studied = try perturbed.indices(layerCount: network.layerCount)
        guard variants.count == network.layerCount else {
            throw ParameterError("need one list of variants per layer (\(network.layerCount)), got \(variants.count)")
        }
        try network.checkBatch(evaluation, evaluationTargets)
        let backprop = try network.backpropagate(inputs: x, targets: targets)
        let evaluationBackprop = try network.backpropagate(inputs: evaluation, targets: evaluationTargets)
        let forms = try studied.map { l in
            try LayerForms(layer: l, nodeWidth: network.widths[l + 1], variants: variants[l], batch: backprop.pass.activities[l],
                           evaluation: evaluationBackprop.pass.activities[l])
        }

        let sums = try parallelMap(Self.blocks, threads: threads) { b -> BlockSums in
            let workspace = try NodePerturbationEstimator.Workspace(estimator: estimator, network: network, inputs: x, targets: targets)
            var noise = estimator.noise(network: network, batchSize: x.rows, seed: seed, draw: 0)
            var block = BlockSums(forms: forms)
            for k in Self.drawRange(block: b, draws: draws) {
                noise.redraw(sigma: sigma, stream: RandomStream(seed: seed, role: NPStreams.nodeNoise, index: UInt64(k)))
                let estimate = workspace.estimate(noise, formingWeightGradients: false)
                block.add(forms.map { estimate.nodeGradients[$0.layer]! }, forms: forms)
            }
            return block
        }

        layers = try forms.enumerated().map { slot, form in
            let l = form.layer
            return Layer(index: l, variants: try form.summarise(
                blocks: sums.map { $0.layers[slot] }, draws: draws,
                gradient: backprop.weightGradients[l],
                nodeVariances: try NPVariance.nodeVariances(layer: l, layers: perturbed, backprop: backprop, oneSidedSigma: sigma),
                evaluationGradient: l == network.layerCount - 1 ? evaluationBackprop.weightGradients[l] : nil))
        }
        // Cosines and ratios may be nan where a projector annihilates the batch (documented); the variances
        // themselves and their closed forms are finite in any meaningful study.
        for layer in layers {
            for v in layer.variants {
                let core = [v.weightVariance, v.weightVarianceError, v.functionVariance, v.predictedWeightVariance, v.predictedFunctionVariance,
                            v.relativeVariance]
                guard core.allSatisfy(\.isFinite) else {
                    throw NonFiniteResultError("the variances of layer \(layer.index + 1), variant \(v.name) (V_w \(v.weightVariance), V_fn \(v.functionVariance), closed forms \(v.predictedWeightVariance), \(v.predictedFunctionVariance))")
                }
            }
        }
        self.draws = draws
    }

    /// The draws of block b: consecutive, covering 0..<draws.
    static func drawRange(block b: Int, draws: Int) -> Range<Int> {
        (b * draws / blocks)..<((b + 1) * draws / blocks)
    }
}

/// Per layer: the presynaptic batch X, the evaluation activities X', and per variant PX with its two B x B forms.
struct LayerForms: Sendable {
    struct Form: Sendable {
        let name: String
        let projector: any PresynapticProjector
        /// P x_b in rows (B x n_{l-1}).
        let projected: Matrix
        /// Gamma = (PX)(PX)^T and K = (PX) X'^T X' (PX)^T / E.
        let gamma: Matrix
        let kernel: Matrix
    }

    let layer: Int
    /// n_l, the width of the layer's node factors g-hat.
    let nodeWidth: Int
    let batch: Matrix
    let evaluation: Matrix
    let variants: [Form]

    init(layer: Int, nodeWidth: Int, variants: [(String, any PresynapticProjector)], batch: Matrix, evaluation: Matrix) throws {
        guard !variants.isEmpty else { throw ParameterError("no variants for layer \(layer)") }
        for (name, p) in variants where p.inputDimension != batch.columns {
            throw ParameterError("variant \(name) of layer \(layer) acts on \(p.inputDimension) inputs, the layer has \(batch.columns)")
        }
        self.layer = layer
        self.nodeWidth = nodeWidth
        self.batch = batch
        self.evaluation = evaluation
        self.variants = variants.map { name, p in
            let px = p.apply(batch)
            var gamma = Matrix(rows: batch.rows, columns: batch.rows)
            Matrix.gemm(px, px, transposeB: true, into: &gamma)
            var overlaps = Matrix(rows: batch.rows, columns: evaluation.rows)  // x'_e^T P x_b
            Matrix.gemm(px, evaluation, transposeB: true, into: &overlaps)
            var kernel = Matrix(rows: batch.rows, columns: batch.rows)
            Matrix.gemm(overlaps, overlaps, transposeB: true, alpha: 1 / Double(evaluation.rows), into: &kernel)
            return Form(name: name, projector: p, projected: px, gamma: gamma, kernel: kernel)
        }
    }

    /// <a, F b> / B^2 for B x n matrices a, b and a B x B form F.
    static func quadratic(_ a: Matrix, _ form: Matrix, _ b: Matrix) -> Double {
        var fb = Matrix(rows: b.rows, columns: b.columns)
        return quadratic(a, form, b, scratch: &fb)
    }

    /// The same with caller-owned B x n storage for F b (the per-draw loop allocates nothing).
    static func quadratic(_ a: Matrix, _ form: Matrix, _ b: Matrix, scratch fb: inout Matrix) -> Double {
        Matrix.gemm(form, b, into: &fb)
        return Vector.dot(a.elements, fb.elements) / Double(a.rows * a.rows)
    }

    /// The statistics of every variant from the block sums (loco.md 5.3), against the closed forms of 5.1.
    func summarise(blocks: [LayerSums], draws: Int, gradient: Matrix, nodeVariances v: [Double],
                   evaluationGradient: Matrix?) throws -> [VarianceStudy.Variant] {
        let r = Double(draws)
        var total = Matrix(rows: blocks[0].nodeSum.rows, columns: blocks[0].nodeSum.columns)
        for b in blocks { for k in total.elements.indices { total.elements[k] += b.nodeSum.elements[k] } }
        let meanNode = Matrix(rows: total.rows, columns: total.columns, elements: total.elements.map { $0 / r })
        let counts = blocks.map { Double($0.count) }
        var results: [VarianceStudy.Variant] = []
        var reference: (w: [Double], f: [Double], d: Double?)?
        for (i, form) in variants.enumerated() {
            // Per block: sum_k |G-hat_k - M|^2 and sum_k mean_e |(G-hat_k - M) x'_e|^2, expanded around the sums.
            let mm = Self.quadratic(meanNode, form.gamma, meanNode)
            let mf = Self.quadratic(meanNode, form.kernel, meanNode)
            let weightDeviations = blocks.indices.map { b in
                blocks[b].squares[i] - 2 * Self.quadratic(blocks[b].nodeSum, form.gamma, meanNode) + counts[b] * mm
            }
            let functionDeviations = blocks.indices.map { b in
                blocks[b].functionSquares[i] - 2 * Self.quadratic(blocks[b].nodeSum, form.kernel, meanNode) + counts[b] * mf
            }
            let weightVariance = weightDeviations.reduce(0, +) / (r - 1)
            let functionVariance = functionDeviations.reduce(0, +) / (r - 1)
            let perDrawWeight = zip(weightDeviations, counts).map { $0 / $1 * r / (r - 1) }
            let perDrawFunction = zip(functionDeviations, counts).map { $0 / $1 * r / (r - 1) }
            let weightError = try SampleSummary(perDrawWeight).standardError

            // M = (1/B) mean(g-hat)^T (PX), against G_BP and G_BP P.
            var mean = Matrix(rows: meanNode.columns, columns: form.projected.columns)
            Matrix.gemm(meanNode, transposeA: true, form.projected, alpha: 1 / Double(batch.rows), into: &mean)
            let projectedGradient = form.projector.apply(gradient)
            let gNorm = gradient.frobeniusNorm
            let bias = Vector.norm(zip(mean.elements, projectedGradient.elements).map { $0 - $1 }) / gNorm
            let keptFraction = (0..<batch.rows).reduce(0.0) {
                $0 + pow(Vector.norm(form.projected.row($1)) / Vector.norm(batch.row($1)), 2)
            } / Double(batch.rows)
            // A projector that annihilates the batch (a layer narrower than the removed centroids) leaves G-hat = 0:
            // cosine and D are 0/0, not the round-off they would compute.
            let annihilated = keptFraction < 1e-12
            let cosine = annihilated ? .nan : Vector.dot(mean.elements, gradient.elements) / (mean.frobeniusNorm * gNorm)
            let predictedFunction = NPVariance.functionSpaceVariance(nodeVariances: v, presynaptic: batch, evaluation: evaluation,
                                                                     projected: form.projected)

            // D for the output layer: E tr(G-hat Sigma' G-hat^T) = mean_k mean_e |G-hat_k x'_e|^2.
            var descent: VarianceStudy.Descent?
            if let grad = evaluationGradient {
                let moved = evaluation * projectedGradient.transposed
                let predictedMoment = Vector.dot(moved.elements, moved.elements) / Double(evaluation.rows) + predictedFunction
                let figure = annihilated ? .nan : pow(Vector.dot(grad.elements, mean.elements), 2) / (blocks.reduce(0) { $0 + $1.functionSquares[i] } / r)
                descent = VarianceStudy.Descent(figure: figure, ratio: figure / (reference?.d ?? figure),
                                                closedForm: pow(Vector.dot(grad.elements, projectedGradient.elements), 2) / predictedMoment)
            }
            if reference == nil { reference = (perDrawWeight, perDrawFunction, descent?.figure) }
            let ratioHalfWidth = { (mine: [Double], base: [Double]) -> Double in
                1.96 * ((try? SampleSummary(zip(mine, base).map { $0 / $1 }))?.standardError ?? .nan)
            }
            let first = results.first
            results.append(VarianceStudy.Variant(
                name: form.name, weightVariance: weightVariance, weightVarianceError: weightError,
                relativeVariance: weightVariance / (gNorm * gNorm), functionVariance: functionVariance,
                cosine: cosine, relativeBias: bias,
                weightRatio: weightVariance / (first?.weightVariance ?? weightVariance),
                weightRatioHalfWidth: ratioHalfWidth(perDrawWeight, reference!.w),
                functionRatio: functionVariance / (first?.functionVariance ?? functionVariance),
                functionRatioHalfWidth: ratioHalfWidth(perDrawFunction, reference!.f),
                predictedWeightRatio: NPVariance.projectionRatio(nodeVariances: v, presynaptic: batch, projected: form.projected),
                predictedWeightVariance: NPVariance.weightTraceVariance(nodeVariances: v, presynaptic: batch, projected: form.projected),
                predictedFunctionVariance: predictedFunction,
                predictedFunctionRatio: predictedFunction / (first?.predictedFunctionVariance ?? predictedFunction),
                keptInputFraction: keptFraction,
                descent: descent))
        }
        return results
    }
}

/// One layer's sums over a block of draws: sum_k g-hat_k, and per variant sum_k |G-hat^P_k|^2 and
/// sum_k mean_e |G-hat^P_k x'_e|^2.
struct LayerSums: Sendable {
    var count = 0
    var nodeSum: Matrix
    var squares: [Double]
    var functionSquares: [Double]
}

/// The sums of one block of draws, for every studied layer.
struct BlockSums: Sendable {
    var layers: [LayerSums]
    /// Storage for F g-hat, per layer.
    var scratch: [Matrix]

    init(forms: [LayerForms]) {
        layers = forms.map { f in
            LayerSums(nodeSum: Matrix(rows: f.batch.rows, columns: f.nodeWidth),
                      squares: Array(repeating: 0, count: f.variants.count),
                      functionSquares: Array(repeating: 0, count: f.variants.count))
        }
        scratch = forms.map { Matrix(rows: $0.batch.rows, columns: $0.nodeWidth) }
    }

    mutating func add(_ nodeGradients: [Matrix], forms: [LayerForms]) {
        for (slot, g) in nodeGradients.enumerated() {
            layers[slot].count += 1
            for k in g.elements.indices { layers[slot].nodeSum.elements[k] += g.elements[k] }
            for (i, form) in forms[slot].variants.enumerated() {
                layers[slot].squares[i] += LayerForms.quadratic(g, form.gamma, g, scratch: &scratch[slot])
                layers[slot].functionSquares[i] += LayerForms.quadratic(g, form.kernel, g, scratch: &scratch[slot])
            }
        }
    }
}
