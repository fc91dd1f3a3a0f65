import NumericalKit
import Testing
import NodePerturbation

// loco.md section 7.1: the clustered student-teacher task.

@Test func settingS1HasOrthogonalClustersOrthogonalToTheCommonModeAndATeacherBlindToIt() throws {
    let task = try ClusteredTask(setting: .s1, seed: 3)
    let n = task.inputs
    let one = [Double](repeating: 1 / Double(n).squareRoot(), count: n)
    var directions = task.centroids.map { c in c.map { $0 / 2 } }
    for u in task.bases { for j in 0..<u.columns { directions.append((0..<n).map { u[$0, j] }) } }
    #expect(directions.count == 8 * 5)
    for (a, u) in directions.enumerated() {
        #expect(abs(Vector.norm(u) - 1) < 1e-12)
        #expect(abs(Vector.dot(u, one)) < 1e-12)
        for v in directions[(a + 1)...] { #expect(abs(Vector.dot(u, v)) < 1e-12) }
    }
    // W* 1 = 0: the teacher ignores the common mode.
    #expect(Vector.norm(task.teacher * one) < 1e-12)
    #expect(task.centroids.allSatisfy { abs(Vector.norm($0) - 2) < 1e-12 })
}

@Test func samplesFollowTheGenerativeModel() throws {
    let task = try ClusteredTask(setting: .s2, seed: 5)
    let x = task.sample(cluster: 2, count: 4000, stream: RandomStream(seed: 9))
    // Mean over samples: m_cm/sqrt(n) + c_k (the z and eps terms average out); standard error ~ 1/sqrt(4000).
    let n = task.inputs
    let mean = (0..<n).map { i in (0..<x.rows).reduce(0.0) { $0 + x[$1, i] } / Double(x.rows) }
    let expected = task.centroids[2].map { $0 + task.commonMode / Double(n).squareRoot() }
    #expect(Vector.maxAbsDifference(mean, expected) < 5 * (1 + 0.01) / Double(x.rows).squareRoot())
    // Inside the cluster, the spread outside span(U_k) is the isotropic noise s^2 per direction.
    let centred = Matrix(rows: x.rows, columns: n) { b, i in x[b, i] - mean[i] }
    let total = centred.elements.reduce(0) { $0 + $1 * $1 } / Double(x.rows)
    let expectedTotal = Double(task.clusterRank) + task.noise * task.noise * Double(n)
    #expect(abs(total / expectedTotal - 1) < 0.05)
    let y = task.targets(x)
    #expect(y.rows == 4000 && y.columns == task.outputs)
}

@Test func tasksAreReproducibleFromTheirSeed() throws {
    let a = try ClusteredTask(setting: .s1, seed: 1)
    let b = try ClusteredTask(setting: .s1, seed: 1)
    let c = try ClusteredTask(setting: .s1, seed: 2)
    #expect(a.teacher == b.teacher && a.centroids == b.centroids)
    #expect(a.teacher != c.teacher)
    #expect(throws: ParameterError.self) { try ClusteredTask(setting: .s1, inputs: 20, seed: 1) }
}

@Test func aClusteredSetupLabelsWithTheTasksTeacherAndStartsTheStudentAsAsked() throws {
    let task = try ClusteredTask(setting: .s1, seed: 5)
    let x = task.sample(cluster: 2, count: 7, stream: RandomStream(seed: 6))
    // Linear: the teacher is W* itself (targets W* x, computed the task's own way), the student exactly 0 at scale 0.
    let linear = try task.studentTeacher(hidden: [], activation: .tanh, studentScale: 0, seed: 1)
    #expect(Vector.maxAbsDifference(try linear.targets(x).elements, task.targets(x).elements) <= 1e-14)
    #expect(linear.student.weights.allSatisfy { $0.elements.allSatisfy { $0 == 0 && $0.sign == .plus } })
    // Hidden layers: the student has the asked shape and scale, the teacher is the nonlinear teacher of that shape.
    let deep = try task.studentTeacher(hidden: [16, 8], activation: .tanh, studentScale: 0.5, seed: 1)
    #expect(deep.student.widths == [task.inputs, 16, 8, task.outputs] && deep.teacher.widths == deep.student.widths)
    #expect(deep.teacher == (try ClusteredTask.nonlinearTeacher(widths: deep.student.widths, activations: [.tanh, .tanh], seed: 1)))
    #expect(deep.student == (try MLP.random(widths: deep.student.widths, activations: [.tanh, .tanh], scale: 0.5, seed: 1, role: NPStreams.student)))
}

@Test func aStudentsTitleNameGivesItsWidthsCompressingRepeatedHiddenLayers() throws {
    let task = try ClusteredTask(setting: .s1, seed: 0)
    #expect(LOCOStudent.linear.name(task) == "linear student")
    #expect(LOCOStudent.tanh.name(task) == "tanh student \(task.inputs)-64-\(task.outputs)")
    #expect(LOCOStudent.deep(depth: 12, initialScale: 1).name(task) == "tanh student \(task.inputs)-64x11-\(task.outputs)")
    #expect(LOCOStudent(hidden: [32, 16]).name(task) == "tanh student \(task.inputs)-32-16-\(task.outputs)")
}
