import NumericalKit

/// The setting of both papers: a teacher network labels inputs and a student network of the same input and output
/// sizes learns them. Each paper draws its pair its own way (curl descent: the reference's two-layer protocol, seen
/// through LearningDynamics' `StudentTeacherPair`; node perturbation: `random`), but holds it as this one type.
public struct StudentTeacher: Sendable, Equatable {
    public let teacher: MLP
    public let student: MLP

    /// A teacher and a student that take the same inputs and give the same number of outputs (hidden layers may differ).
    public init(teacher: MLP, student: MLP) throws {
        guard teacher.inputCount == student.inputCount, teacher.outputCount == student.outputCount else {
            throw ParameterError("student and teacher need the same input and output sizes, got widths \(student.widths) and \(teacher.widths)")
        }
        self.teacher = teacher
        self.student = student
    }

    /// Teacher and student drawn with `MLP.random` (scales `teacherScale` and `studentScale`) from streams `teacherRole`
    /// and `studentRole` of `seed`, so that changing the student never changes the teacher.
    public static func random(teacherWidths: [Int], teacherActivations: [Activation], studentWidths: [Int],
                              studentActivations: [Activation], teacherScale: Double = 1, studentScale: Double = 1,
                              withBiases: Bool = false, seed: UInt64, teacherRole: StreamRole, studentRole: StreamRole) throws -> StudentTeacher {
        try StudentTeacher(
            teacher: MLP.random(widths: teacherWidths, activations: teacherActivations, scale: teacherScale, withBiases: withBiases,
                                seed: seed, role: teacherRole),
            student: MLP.random(widths: studentWidths, activations: studentActivations, scale: studentScale, withBiases: withBiases,
                                seed: seed, role: studentRole))
    }

    /// The teacher's labels of the rows of `inputs` (B x n_0).
    public func targets(_ inputs: Matrix) throws -> Matrix { try teacher.outputs(inputs) }
}
