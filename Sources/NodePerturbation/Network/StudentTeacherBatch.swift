import NumericalKit
import StudentTeacherCore

/// A student-teacher setup (the core's `StudentTeacher`) with a fixed batch of Gaussian inputs and their labels:
/// the batch at which node perturbation's estimates are studied.
public struct StudentTeacherBatch: Sendable {
    public let setup: StudentTeacher
    /// Inputs (B x n_0, entries N(0, 1)) and the teacher's outputs on them (B x n_L).
    public let inputs: Matrix
    public let targets: Matrix

    public var teacher: MLP { setup.teacher }
    public var student: MLP { setup.student }

    /// Teacher and student drawn by `StudentTeacher.random` from roles `NPStreams.teacher` and `.student` of `seed`,
    /// and `batchSize` inputs x ~ N(0, I) from role `NPStreams.inputs`.
    public init(teacherWidths: [Int], teacherActivations: [Activation], studentWidths: [Int],
                studentActivations: [Activation], batchSize: Int, teacherScale: Double = 1, studentScale: Double = 1,
                withBiases: Bool = false, seed: UInt64) throws {
        guard batchSize > 0 else { throw ParameterError("batch size must be positive, got \(batchSize)") }
        setup = try StudentTeacher.random(teacherWidths: teacherWidths, teacherActivations: teacherActivations, studentWidths: studentWidths,
                                          studentActivations: studentActivations, teacherScale: teacherScale, studentScale: studentScale,
                                          withBiases: withBiases, seed: seed, teacherRole: NPStreams.teacher, studentRole: NPStreams.student)
        let n0 = teacherWidths[0]
        inputs = Matrix(rows: batchSize, columns: n0, elements: RandomStream(seed: seed, role: NPStreams.inputs).gaussians(batchSize * n0))
        targets = try setup.targets(inputs)
    }
}
