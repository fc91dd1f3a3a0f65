/// How the student's weight update is estimated in the learning experiments of loco.md section 7.2.
public enum LearningMethod: String, Sendable, CaseIterable {
    /// The exact gradient (backpropagation), the reference.
    case sgd
    /// Plain node perturbation.
    case np
    /// NP projected onto the batch mean and its top principal directions.
    case lowRank = "lowrank"
    /// NP projected onto the complement of the other clusters' directions.
    case owm
    /// Both: LOCO.
    case loco

    /// The rule behind the method. An exhaustive switch: a method added to the list must say here which rule and
    /// which projector it uses, so it cannot fall silently into another method's branch.
    public var rule: UpdateRule {
        switch self {
        case .sgd: .backpropagation
        case .np: .perturbation(.identity)
        case .lowRank: .perturbation(.lowRank)
        case .owm: .perturbation(.clusterComplement)
        case .loco: .perturbation(.loco)
        }
    }
}

/// Exact gradient, or a node-perturbation estimate whose presynaptic factor each layer projects.
public enum UpdateRule: Sendable, Equatable {
    case backpropagation
    case perturbation(PresynapticProjection)

    /// Whether the layers keep LOCO's direction buffers and k-means fits (and so a warm-up and a purity).
    public var usesClusters: Bool {
        switch self {
        case .backpropagation: false
        case .perturbation(let p): p.usesClusters
        }
    }
}

/// The projector P of the NP update G-hat P (loco.md 5.1), built per layer from that layer's clean presynaptic batch.
public enum PresynapticProjection: String, Sendable, CaseIterable {
    /// P = I, plain NP.
    case identity
    /// Onto the batch mean and its top r - 1 principal directions.
    case lowRank
    /// P_owm, the complement of the other clusters' centroids (OWM-only).
    case clusterComplement
    /// P_low, both (loco.md 4.2 steps 3-8).
    case loco

    public var usesClusters: Bool {
        switch self {
        case .identity, .lowRank: false
        case .clusterComplement, .loco: true
        }
    }
}
