import LearningDynamics

/// The protocol of Figs. 4 and 8 and of the mixed error map: the student starts on the solution manifold (the
/// uniform teacher with +1e-15 on every W1 entry), trains by full-batch steps (P = B = 250, lr 0.1) under the norm
/// constraint with one curl rule, and the record keeps the final test error and the largest logged train error.
enum ManifoldStartRun {
    static func experiment(inputs m: Int, hidden n: Int, activation: Activation, rule: LearningRule, epochs: Int) throws -> Experiment {
        Experiment(shape: try NetworkShape(inputs: m, hidden: n), activation: .reference(activation),
                   teacherInit: .uniform(scale: 1), studentStart: .teacherShifted(w1: 1e-15, w2: 0), trainCount: 250, testCount: 100,
                   normConstraint: true, rules: [rule],
                   integrator: .discrete(DiscreteTrainingOptions(learningRate: 0.1, batchSize: 250, epochs: epochs, logPoints: 200)))
    }

    /// The cell's record of one run: sizes, whether it diverged, the final test error (NaN if it diverged) and the
    /// largest finite logged train error, plus `extra` values.
    static func record(_ cell: Cell, shape: NetworkShape, curve: TrainingCurve, extra: [String: Double] = [:]) -> CellRecord {
        let finished = curve.status.isSuccess
        return CellRecord(key: cell.key, values: ["M": Double(shape.inputs), "N": Double(shape.hidden), "diverged": finished ? 0 : 1,
                                                  "final_test": finished ? curve.finalTestLoss : .nan,
                                                  "max_train": curve.trainLoss.filter(\.isFinite).max() ?? .nan].merging(extra) { $1 })
    }
}
