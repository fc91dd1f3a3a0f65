// The student-teacher core is part of this module's interface (its estimators take and return `MLP`s), so a client
// that imports NodePerturbation sees it too.
@_exported import StudentTeacherCore
import NumericalKit

extension MLP {
    /// `MLP.random(widths:activations:scale:withBiases:biasScale:seed:role:)` drawing from the node-perturbation
    /// student's stream (`NPStreams.student`): the default of this module's networks.
    public static func random(widths: [Int], activations: [Activation], scale: Double = 1, withBiases: Bool = false,
                              biasScale: Double = 0.1, seed: UInt64) throws -> MLP {
        try random(widths: widths, activations: activations, scale: scale, withBiases: withBiases, biasScale: biasScale, seed: seed,
                   role: NPStreams.student)
    }
}
