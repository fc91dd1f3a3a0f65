import NumericalKit
import StudentTeacherCore

/// Explicit teacher and student networks with N inputs: the setting the order-parameter flow describes as
/// N -> infinity, and the start of a direct online-SGD simulation.
public struct SCMNetworks: Sendable {
    /// w* (M x N).
    public let teacher: Matrix
    /// v* (length M).
    public let teacherReadout: [Double]
    /// w (K x N) at the start.
    public let student: Matrix
    /// v (length K) at the start.
    public let studentReadout: [Double]
    /// D1 = diag(d1), d1_i = +-1.
    public let d1: [Double]

    /// How the student's readout starts.
    public enum ReadoutStart: Sendable, Equatable {
        case constant(Double)
        /// v_k ~ N(0, sigma^2), drawn from the student stream after the first layer.
        case gaussian(sigma: Double)
    }

    public init(teacher: Matrix, teacherReadout: [Double], student: Matrix, studentReadout: [Double], d1: [Double]) throws {
        let n = teacher.columns
        guard n > 0, student.columns == n, d1.count == n, teacherReadout.count == teacher.rows, studentReadout.count == student.rows,
              teacher.rows > 0, student.rows > 0 else {
            throw ParameterError("teacher (M x N), student (K x N), readouts (M, K) and d1 (N) do not fit together")
        }
        guard d1.allSatisfy({ $0 == 1 || $0 == -1 }) else { throw ParameterError("d1 must hold +-1 entries") }
        self.teacher = teacher
        self.teacherReadout = teacherReadout
        self.student = student
        self.studentReadout = studentReadout
        self.d1 = d1
    }

    /// Random networks: teacher entries N(0, 1) (so T -> I), student entries N(0, studentScale^2), and
    /// round(alpha_h N) input coordinates flipped, chosen uniformly at random. Each draw has its own stream.
    public static func random(inputs n: Int, students k: Int, teachers m: Int, studentScale: Double,
                              studentReadout: ReadoutStart = .constant(1), teacherReadout: Double = 1,
                              inputFlipFraction alphaH: Double = 0, seed: UInt64) throws -> SCMNetworks {
        guard n > 0, k > 0, m > 0 else { throw ParameterError("N, K and M must be positive") }
        guard studentScale >= 0, studentScale.isFinite else { throw ParameterError("the student scale must be finite and >= 0") }
        guard (0...1).contains(alphaH) else { throw ParameterError("the input flip fraction must lie in [0, 1]") }
        let teacherStream = RandomStream(seed: seed, role: SCMSeedStream.teacher)
        let studentStream = RandomStream(seed: seed, role: SCMSeedStream.student)
        let teacher = Matrix(rows: m, columns: n, elements: teacherStream.gaussians(m * n))
        let student = Matrix(rows: k, columns: n, elements: studentStream.gaussians(k * n, sigma: studentScale))
        let readout: [Double]
        switch studentReadout {
        case .constant(let value): readout = Array(repeating: value, count: k)
        case .gaussian(let sigma): readout = studentStream.gaussians(k, sigma: sigma)
        }
        // Flip a uniformly random subset of exactly round(alpha_h N) coordinates (partial Fisher-Yates).
        var order = Array(0..<n)
        let flipStream = RandomStream(seed: seed, role: SCMSeedStream.flips)
        let flipped = Int((alphaH * Double(n)).rounded())
        for i in 0..<flipped { order.swapAt(i, i + flipStream.integer(below: n - i)) }
        var d1 = Array(repeating: 1.0, count: n)
        for i in order.prefix(flipped) { d1[i] = -1 }
        return try SCMNetworks(teacher: teacher, teacherReadout: Array(repeating: teacherReadout, count: m), student: student,
                               studentReadout: readout, d1: d1)
    }

    public var inputs: Int { teacher.columns }
    public var students: Int { student.rows }
    public var teachers: Int { teacher.rows }

    /// The exact fraction of flipped inputs.
    public var inputFlipFraction: Double { Double(d1.filter { $0 < 0 }.count) / Double(inputs) }

    /// The teacher's T, T~ and v* as the flow needs them.
    public func teacherOverlaps() throws -> SCMTeacher {
        let (t, tt) = SCMState.teacherOverlaps(teacher, d1: d1)
        return try SCMTeacher(t: t, tTilde: inputFlipFraction == 0 ? t : tt, readout: teacherReadout)
    }

    /// The student's order parameters at the start.
    public func startState() -> SCMState {
        SCMState.measure(student: student, readout: studentReadout, teacher: teacher, d1: d1)
    }
}
