import NumericalKit
import StudentTeacherCore

/// The teacher as the order-parameter equations see it: its overlaps T = w* w*^T / N and
/// T~ = w* D1 w*^T / N (fixed during learning) and its readout v*.
public struct SCMTeacher: Sendable, Equatable {
    /// T (M x M, symmetric positive definite).
    public let t: Matrix
    /// T~ = w* D1 w*^T / N (M x M, symmetric); equal to T without input flips.
    public let tTilde: Matrix
    /// v* (length M).
    public let readout: [Double]

    public var units: Int { readout.count }

    public init(t: Matrix, tTilde: Matrix, readout: [Double]) throws {
        let m = readout.count
        guard m > 0, t.rows == m, t.columns == m, tTilde.rows == m, tTilde.columns == m else {
            throw ParameterError("the teacher's T and T~ must be M x M with M = \(m) readout weights")
        }
        guard (t.elements + tTilde.elements + readout).allSatisfy(\.isFinite) else {
            throw ParameterError("the teacher's overlaps and readout must be finite")
        }
        guard t.asymmetry <= 1e-12 * max(1, t.frobeniusNorm), tTilde.asymmetry <= 1e-12 * max(1, tTilde.frobeniusNorm) else {
            throw ParameterError("the teacher's T and T~ must be symmetric")
        }
        self.t = t
        self.tTilde = tTilde
        self.readout = readout
    }

    /// The isotropic teacher of the N -> infinity limit: T = I, T~ = (1 - 2 alpha_h) I (orthogonal teacher vectors
    /// of squared length N, a random fraction alpha_h of the input coordinates flipped), readout v* = `readout`.
    public static func isotropic(units m: Int, inputFlipFraction alphaH: Double = 0, readout: Double = 1) throws -> SCMTeacher {
        guard m > 0 else { throw ParameterError("the teacher needs at least one unit") }
        guard (0...1).contains(alphaH) else { throw ParameterError("the input flip fraction must lie in [0, 1], got \(alphaH)") }
        return try SCMTeacher(t: .identity(m), tTilde: .diagonal(Array(repeating: 1 - 2 * alphaH, count: m)),
                              readout: Array(repeating: readout, count: m))
    }
}

/// How the student learns: the first layer's feedback, the input flips D1, the readout flips D2 and whether
/// the readout learns at all. Gradient descent is backpropagation with no flips.
public struct SCMRule: Sendable, Equatable {
    /// What multiplies hidden unit k's first-layer update in place of dPhi/dg_k = v_k.
    public enum Feedback: Sendable, Equatable {
        /// The student's own readout v_k (backpropagation).
        case backpropagation
        /// A fixed feedback weight b_k (feedback alignment).
        case fixed([Double])
    }

    public var feedback: Feedback
    /// alpha_h: the fraction of input coordinates whose first-layer update is sign-flipped (D1 = diag(+-1)).
    public var inputFlipFraction: Double
    /// d2_k = +-1: the sign of hidden unit k's readout update (nil: all +1).
    public var readoutSigns: [Double]?
    /// Whether the readout v learns; when false it stays at its initial value.
    public var trainsReadout: Bool

    public init(feedback: Feedback = .backpropagation, inputFlipFraction: Double = 0, readoutSigns: [Double]? = nil,
                trainsReadout: Bool = true) {
        self.feedback = feedback
        self.inputFlipFraction = inputFlipFraction
        self.readoutSigns = readoutSigns
        self.trainsReadout = trainsReadout
    }

    public static func gradientDescent(trainsReadout: Bool = true) -> SCMRule { SCMRule(trainsReadout: trainsReadout) }

    /// Curl descent: a fraction alpha_h of the inputs flipped, and the readouts of the first `flippedReadouts`
    /// of the K hidden units.
    public static func curl(inputFlipFraction: Double = 0, flippedReadouts: Int = 0, students k: Int,
                            trainsReadout: Bool = true) -> SCMRule {
        SCMRule(inputFlipFraction: inputFlipFraction,
                readoutSigns: flippedReadouts == 0 ? nil : (0..<k).map { $0 < flippedReadouts ? -1 : 1 }, trainsReadout: trainsReadout)
    }

    /// The sign of unit k's readout update.
    @inline(__always)
    public func readoutSign(_ k: Int) -> Double { readoutSigns?[k] ?? 1 }

    /// Whether the input flips are on, so the state carries Q~ and R~.
    public var flipsInputs: Bool { inputFlipFraction != 0 }

    /// Number of flipped readouts.
    public var flippedReadouts: Int { readoutSigns?.filter { $0 < 0 }.count ?? 0 }

    public var isGradientDescent: Bool { feedback == .backpropagation && !flipsInputs && flippedReadouts == 0 }

    /// A short name: gd, curl, fa.
    public var name: String {
        if case .fixed = feedback { return "fa" }
        return isGradientDescent ? "gd" : "curl"
    }

    func validate(students k: Int) throws {
        guard (0...1).contains(inputFlipFraction) else {
            throw ParameterError("the input flip fraction alpha_h must lie in [0, 1], got \(inputFlipFraction)")
        }
        if let d2 = readoutSigns {
            guard d2.count == k, d2.allSatisfy({ $0 == 1 || $0 == -1 }) else {
                throw ParameterError("the readout signs d2 must be K = \(k) entries of +-1")
            }
        }
        if case .fixed(let b) = feedback {
            guard b.count == k, b.allSatisfy(\.isFinite) else {
                throw ParameterError("the feedback weights b must be K = \(k) finite numbers")
            }
        }
    }
}

/// Learning rates and the learning protocol. Time is alpha = steps / N.
public struct SCMLearningRates: Sendable, Equatable {
    /// eta: first-layer rate (updates w_k by -(eta / sqrt N) b_k g'(lambda_k) Delta D1 x).
    public var firstLayer: Double
    /// eta_v: readout rate (updates v_k by -(eta_v / N) d2_k g(lambda_k) Delta).
    public var readout: Double
    /// Online SGD (true: the eta^2 terms of single-sample noise) or its gradient-flow limit (false).
    public var online: Bool
    /// The standard deviation sigma of Gaussian output noise added to the teacher's label (online SGD only).
    public var outputNoise: Double

    public init(firstLayer: Double = 1, readout: Double? = nil, online: Bool = true, outputNoise: Double = 0) {
        self.firstLayer = firstLayer
        self.readout = readout ?? firstLayer
        self.online = online
        self.outputNoise = outputNoise
    }

    func validate() throws {
        guard firstLayer > 0, firstLayer.isFinite, readout >= 0, readout.isFinite else {
            throw ParameterError("learning rates must be finite, eta > 0 and eta_v >= 0")
        }
        guard outputNoise >= 0, outputNoise.isFinite else { throw ParameterError("the output noise must be finite and >= 0") }
        guard online || outputNoise == 0 else {
            throw ParameterError("output noise enters only through the eta^2 terms of online SGD; the gradient flow has none")
        }
    }
}
