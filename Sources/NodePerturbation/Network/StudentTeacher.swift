import NumericalKit

/// A teacher network labels Gaussian inputs; a student of the same input/output size learns them.
public struct StudentTeacher: Sendable {
    public var teacher: MLP
    public var student: MLP
    /// Inputs (B x n_0, entries N(0, 1)) and the teacher's outputs on them (B x n_L).
    public var inputs: Matrix
    public var targets: Matrix

    /// Teacher and student drawn with `MLP.random` (scale `teacherScale` / `studentScale`) from the streams
    /// roles `NPStreams.teacher`, `.student` and `.inputs` of `seed`; `batchSize` inputs x ~ N(0, I).
    public init(teacherWidths: [Int], teacherActivations: [Activation], studentWidths: [Int],
                studentActivations: [Activation], batchSize: Int, teacherScale: Double = 1, studentScale: Double = 1,
                withBiases: Bool = false, seed: UInt64) throws {
        guard teacherWidths.first == studentWidths.first, teacherWidths.last == studentWidths.last else {
            throw ParameterError("student and teacher need the same input and output sizes")
        }
        guard batchSize > 0 else { throw ParameterError("batch size must be positive, got \(batchSize)") }
        teacher = try MLP.random(widths: teacherWidths, activations: teacherActivations, scale: teacherScale,
                                 withBiases: withBiases, seed: seed, role: NPStreams.teacher)
        student = try MLP.random(widths: studentWidths, activations: studentActivations, scale: studentScale,
                                 withBiases: withBiases, seed: seed, role: NPStreams.student)
        let n0 = teacherWidths[0]
        inputs = Matrix(rows: batchSize, columns: n0,
                        elements: RandomStream(seed: seed, role: NPStreams.inputs).gaussians(batchSize * n0))
        targets = try teacher.outputs(inputs)
    }
}
