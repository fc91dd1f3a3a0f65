import ArgumentParser
import Foundation
import NumericalKit

// What each command will allocate, estimated from its options before anything is built (in 8-byte numbers,
// as doubles so that products of absurd sizes cannot overflow). The estimates count the large arrays: weights,
// data, matrices, Jacobians and solver workspaces, with their copies; they are meant to tell 10 GiB from 10 TiB,
// not to be exact. `MemoryBudget` compares them with the limit (available memory or CURLDYN_MAX_MEMORY).

/// Refuses (exit 64) a run estimated to need more than the memory limit.
func requireMemory(numbers: Double, for what: String) throws {
    do { try MemoryBudget.require(8 * numbers, for: what) } catch let error as MemoryBudget.Exceeded {
        throw ValidationError(error.description)
    }
}

extension NetworkOptions {
    /// Weights of one student (W1, w2) and of the teacher.
    var parameterCount: Double {
        let (m, n, t) = (Double(inputs), Double(hidden), Double(teacherHidden ?? hidden))
        return n * m + n + t * m + t
    }

    /// One run: weights and their copies in the solver (~30 vectors), K (M x M) for lambda_min, the data and the
    /// activations of finite-data runs, and a dense Jacobian for implicit steppers.
    func runNumbers(finiteData: Bool, implicit: Bool) -> Double {
        let (m, n) = (Double(inputs), Double(hidden))
        let p = n * m + n
        let samples = finiteData ? Double(trainCount) + Double(testSize) : 0
        return 30 * parameterCount + 3 * m * m + samples * (m + 4 * n + 2) + (implicit ? 3 * p * p : 0)
    }
}

extension Integrate {
    var memoryNumbers: Double {
        network.runNumbers(finiteData: !usesPopulationFlow, implicit: dynamics.integration == .continuous && Stepper.implicitNames.contains(dynamics.stepper))
            + Double(rules.rule.count) * Double(max(dynamics.points, 0) + 2) * 8
    }
}

extension Compare {
    var memoryNumbers: Double {
        let perRun = network.runNumbers(finiteData: true, implicit: dynamics.integration == .continuous && Stepper.implicitNames.contains(dynamics.stepper))
        return Double(min(max(threads, 1), seeds)) * perRun + Double(seeds) * Double(rules.rule.count) * Double(max(dynamics.points, 0) + 2) * 8
    }
}

extension StabilityCommand {
    var memoryNumbers: Double {
        let (m, n) = (Double(network.inputs), Double(network.hidden))
        let p = n * m + n
        let dense = full || finiteDifferences || usesFullBatchFlow ? 5 * p * p : 0
        let data = usesFullBatchFlow ? Double(network.trainCount + network.testSize) * (m + 4 * n) : 0
        return network.parameterCount * 10 + 4 * m * m + dense + data
    }
}

/// A sampled stability matrix of N hidden neurons at ratio c: W1 (N x M), K (M x M) and its eigensolver's copies.
func sampledMatrixNumbers(c: Double, hidden n: Int) -> Double {
    let m = max(1, (c * Double(n)).rounded())
    return Double(n) * m + 4 * m * m + 10 * (m + Double(n))
}

extension Critical {
    var memoryNumbers: Double {
        let values = c.isEmpty ? Double(points) : Double(c.count)
        let largest = sizes.max().map { n in (c.isEmpty ? [cMin, cMax] : c).map { sampledMatrixNumbers(c: $0, hidden: n) }.max() ?? 0 } ?? 0
        return Double(max(threads, 1)) * largest + values * Double(sizes.count + 1) * 8
    }
}

extension Spectrum {
    var memoryNumbers: Double {
        let sampled = sampleHidden.map { n in sampledMatrixNumbers(c: c, hidden: n) + Double(draws) * max(1, (c * Double(n)).rounded()) } ?? 0
        // Each printed row is an array of three numbers (~10 numbers with its storage) and ~60 bytes of text.
        return sampled + (Double(points) + Double(bins)) * 20
    }
}

extension PhaseDiagramCommand {
    var memoryNumbers: Double {
        // A theory cell is a row of three numbers (~10 with its array) and ~50 bytes of text; the boundary is per c.
        let theory = Double(cPoints) * Double(alphaPoints) * 20 + Double(cPoints) * 10
        let measured = empirical.map { size in
            Double(max(threads, 1)) * sampledMatrixNumbers(c: 1, hidden: size) + Double(empiricalCPoints) * Double(empiricalAlphaPoints) * 20
        } ?? 0
        return theory + measured
    }
}

extension NPVarianceCommand {
    var memoryNumbers: Double {
        let widths = Double(100 + hiddenWidths.reduce(0, +) + 10)
        let largestLayer = ([100] + hiddenWidths + [10]).adjacentPairs().map { Double($0) * Double($1) }.max() ?? 1000
        // The evaluation set (8 clusters) with its activations, per worker a batch's node factors and projectors.
        return 8 * Double(evaluationPerCluster) * widths * 4 + Double(max(threads, 1)) * (Double(batchSize) * widths * 10 + 6 * largestLayer)
            + Double(batchSize) * Double(batchSize) * 10
    }
}

extension LOCOLearnCommand {
    var memoryNumbers: Double {
        let hiddenLayers = network == "tanh" ? Double(depth - 1) : 0
        let widths = 110 + 64 * hiddenLayers
        let weights = network == "tanh" ? 100.0 * 64 + 64 * 64 * (hiddenLayers - 1) + 64 * 10 : 1000
        // Per worker: a batch with its activations, projectors and weights; per run a loss curve.
        let perRun = Double(batchSize) * widths * 10 + Double(batchSize) * Double(batchSize) * 4 + 10 * weights + 4 * 100 * 100 * (1 + hiddenLayers)
        return Double(max(threads, 1)) * perRun + Double(methods.count) * Double(lrPoints) * Double(steps) * 2
    }
}

extension NPCurlCommand {
    var memoryNumbers: Double {
        let (m, n) = (Double(inputs), Double(hidden))
        return Double(max(threads, 1)) * (10 * (n * m + n) + Double(batchSize) * (m + 3 * n)) + 5 * m * m + 2 * Double(steps / max(logEvery, 1) + 2) * Double(replicates + 1)
    }
}

extension NPSweepCommand {
    var memoryNumbers: Double {
        let largest = Double(sweepValues.filter(\.isFinite).max() ?? 1)
        let width = Double(parameter == .width ? max(Double(hidden), largest) : Double(hidden))
        let depthValue = parameter == .depth ? max(Double(depth), largest) : Double(depth)
        let widths = Double(inputs) + depthValue * width + Double(outputs)
        return 10 * (Double(inputs) * width + depthValue * width * width + width * Double(outputs)) + Double(batchSize) * widths * 10
    }
}

extension Bench {
    var memoryNumbers: Double {
        // dgemm's three matrices, the eigensolvers' five, and W1, K and its Cholesky copy of the stability verdict.
        3 * Double(gemmSize) * Double(gemmSize) + 5 * Double(eigenSize) * Double(eigenSize) + 5 * Double(stabilitySize) * Double(stabilitySize)
    }
}

private extension Array {
    func adjacentPairs() -> [(Element, Element)] { count < 2 ? [] : (1..<count).map { (self[$0 - 1], self[$0]) } }
}
