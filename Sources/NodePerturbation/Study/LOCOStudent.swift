import NumericalKit

/// The student (and teacher) of a learning run on the clustered task: the linear student of loco.md 7.2 or a
/// network with hidden layers (7.1's nonlinear variant 100 -> 64 -> 10, or deeper) learning a teacher of its shape.
public struct LOCOStudent: Sendable, Equatable {
    /// Hidden widths; empty is the linear student W (n_out x n) from 0 learning the task's linear teacher W*.
    public var hidden: [Int]
    public var activation: Activation
    /// Initial weights ~ N(0, scale^2 / n_{l-1}) from stream `NPStreams.student` (hidden layers only; the linear
    /// student starts at 0).
    public var initialScale: Double
    /// r of every hidden layer's low-rank and LOCO projectors (loco.md 7.1: 10); the input layer's is
    /// `LOCOLearningOptions.rank`.
    public var hiddenRank: Int

    public init(hidden: [Int], activation: Activation = .tanh, initialScale: Double = 0.1, hiddenRank: Int = 10) {
        self.hidden = hidden
        self.activation = activation
        self.initialScale = initialScale
        self.hiddenRank = hiddenRank
    }

    /// loco.md 7.2's linear student.
    public static let linear = LOCOStudent(hidden: [])
    /// loco.md 7.1's nonlinear variant: 100 -> 64 (tanh) -> 10 from a small random start (scale 0.1).
    public static let tanh = LOCOStudent(hidden: [64])

    /// A tanh network of `depth` weight layers (depth - 1 hidden layers of `width`).
    public static func deep(depth: Int, width: Int = 64, initialScale: Double) -> LOCOStudent {
        LOCOStudent(hidden: Array(repeating: width, count: max(depth - 1, 0)), initialScale: initialScale)
    }

    /// Number of weight layers.
    public var depth: Int { hidden.count + 1 }

    public func widths(_ task: ClusteredTask) -> [Int] { [task.inputs] + hidden + [task.outputs] }

    func validate(batchSize: Int) throws {
        guard hidden.allSatisfy({ $0 >= 1 }) else { throw ParameterError("hidden widths must be positive, got \(hidden)") }
        if let h = hidden.min(), hiddenRank < 1 || hiddenRank > min(h, batchSize) {
            throw ParameterError("need hidden >= 1 and 1 <= hidden rank <= min(hidden, batch), got \(h), \(hiddenRank)")
        }
        guard initialScale >= 0, initialScale.isFinite else { throw ParameterError("initial scale must be finite and >= 0") }
    }

    /// The run's setup: the student at its start (0 for the linear one, else random at `initialScale`) and its
    /// teacher (`ClusteredTask.studentTeacher`).
    func setup(_ task: ClusteredTask, seed: UInt64) throws -> StudentTeacher {
        try task.studentTeacher(hidden: hidden, activation: activation, studentScale: hidden.isEmpty ? 0 : initialScale, seed: seed)
    }

    /// A short name for titles: "linear student", or e.g. "tanh student 100-64x11-10" (depth 12).
    public func name(_ task: ClusteredTask) -> String {
        guard let first = hidden.first else { return "linear student" }
        let middle = hidden.allSatisfy({ $0 == first }) && hidden.count > 1 ? "\(first)x\(hidden.count)" : hidden.map(String.init).joined(separator: "-")
        return "\(activation) student \(task.inputs)-\(middle)-\(task.outputs)"
    }
}
