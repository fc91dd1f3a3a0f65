import NumericalKit
import StudentTeacherCore

extension ClusteredTask {
    /// The student-teacher setup of a study or learning run on this task. The student has `hidden` widths
    /// (`activation` on each hidden layer) and weights ~ N(0, studentScale^2 / n_{l-1}) from stream `NPStreams.student`
    /// of `seed`, or exactly 0 when `studentScale` is 0. The teacher is the task's linear W* (as a one-layer network)
    /// for a student without hidden layers, else `nonlinearTeacher` of the student's shape.
    public func studentTeacher(hidden: [Int], activation: Activation, studentScale: Double, seed: UInt64) throws -> StudentTeacher {
        let widths = [inputs] + hidden + [outputs]
        let activations = hidden.map { _ in activation }
        let student = studentScale == 0
            ? try MLP(weights: (1..<widths.count).map { Matrix(rows: widths[$0], columns: widths[$0 - 1]) }, activations: activations)
            : try MLP.random(widths: widths, activations: activations, scale: studentScale, seed: seed, role: NPStreams.student)
        let teacher = hidden.isEmpty ? try MLP(weights: [self.teacher], activations: [])
                                     : try Self.nonlinearTeacher(widths: widths, activations: activations, seed: seed)
        return try StudentTeacher(teacher: teacher, student: student)
    }
}
