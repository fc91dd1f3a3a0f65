import Foundation
import NumericalKit
import StudentTeacherCore
import Testing

// The one student-teacher setup under both papers: its size checks, the independence of the teacher from the
// student's stream, and its labels against the teacher written out.

private let teacherRole = StreamRegistry.tests.role(id: 1 << 19 | 1, name: "test teacher")
private let studentRole = StreamRegistry.tests.role(id: 1 << 19 | 2, name: "test student")
private let otherStudentRole = StreamRegistry.tests.role(id: 1 << 19 | 3, name: "test other student")

@Test func aSetupNeedsTheSameInputAndOutputSizesButNotTheSameHiddenLayers() throws {
    let teacher = try MLP.random(widths: [4, 6, 2], activations: [.tanh], seed: 1, role: teacherRole)
    let deeper = try MLP.random(widths: [4, 3, 5, 2], activations: [.tanh, .relu], seed: 1, role: studentRole)
    #expect(throws: Never.self) { try StudentTeacher(teacher: teacher, student: deeper) }
    #expect(throws: ParameterError.self) { try StudentTeacher(teacher: teacher, student: MLP.random(widths: [5, 6, 2], activations: [.tanh], seed: 1, role: studentRole)) }
    #expect(throws: ParameterError.self) { try StudentTeacher(teacher: teacher, student: MLP.random(widths: [4, 6, 3], activations: [.tanh], seed: 1, role: studentRole)) }
    #expect(throws: ParameterError.self) {
        try StudentTeacher.random(teacherWidths: [4, 6, 2], teacherActivations: [.tanh], studentWidths: [4, 6, 1], studentActivations: [.tanh],
                                  seed: 1, teacherRole: teacherRole, studentRole: studentRole)
    }
}

@Test func changingTheStudentsStreamLeavesTheTeacherAndLabelsAlone() throws {
    func setup(_ role: StreamRole) throws -> StudentTeacher {
        try StudentTeacher.random(teacherWidths: [3, 4, 1], teacherActivations: [.tanh], studentWidths: [3, 4, 1], studentActivations: [.tanh],
                                  teacherScale: 1.5, seed: 8, teacherRole: teacherRole, studentRole: role)
    }
    let a = try setup(studentRole), b = try setup(otherStudentRole)
    #expect(a.teacher == b.teacher && a.student != b.student)
    #expect(a.teacher == (try MLP.random(widths: [3, 4, 1], activations: [.tanh], scale: 1.5, seed: 8, role: teacherRole)))
    // Labels are the teacher's outputs w2 . tanh(W1 x), written out.
    let x = Matrix(rows: 2, columns: 3, elements: [0.5, -1, 2, 0, 0.3, -0.7])
    let y = try a.targets(x)
    let (w1, w2) = (a.teacher.weights[0], a.teacher.weights[1])
    for r in 0..<2 {
        let expected = (0..<4).reduce(0.0) { s, i in s + w2[0, i] * tanh((0..<3).reduce(0.0) { $0 + w1[i, $1] * x[r, $1] }) }
        #expect(abs(y[r, 0] - expected) < 1e-14)
    }
}
