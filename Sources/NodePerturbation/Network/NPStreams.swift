import NumericalKit
import StudentTeacherCore

/// The stream roles of the node-perturbation module (ids 32-63, `StreamRegistry.nodePerturbation`; see `StreamRole`). Every random draw of the module
/// goes through one of them, so that no two purposes share numbers: the Monte Carlo noise of draw k is never the
/// stream that built the task, the batch, the warm-up, the teacher or the student.
public enum NPStreams {
    /// The clustered task's read-out, common-mode span, centroids and cluster spans (`ClusteredTask`).
    public static let task = StreamRegistry.nodePerturbation.role(id: 32, name: "NP clustered task")
    /// A random teacher network (`StudentTeacherBatch`, the nonlinear clustered teacher).
    public static let teacher = StreamRegistry.nodePerturbation.role(id: 33, name: "NP teacher")
    /// The student's initial weights.
    public static let student = StreamRegistry.nodePerturbation.role(id: 34, name: "NP student")
    /// A fixed batch of Gaussian inputs (`StudentTeacherBatch`).
    public static let inputs = StreamRegistry.nodePerturbation.role(id: 35, name: "NP inputs")
    /// The evaluation set of a study or a learning run (in a variance study, drawn after the studied batch).
    public static let evaluation = StreamRegistry.nodePerturbation.role(id: 36, name: "NP evaluation set")
    /// The warm-up batches that fill LOCO's direction buffer.
    public static let warmup = StreamRegistry.nodePerturbation.role(id: 37, name: "NP LOCO warm-up")
    /// Minibatch choice of a learning run; index: the replicate where runs have several.
    public static let batches = StreamRegistry.nodePerturbation.role(id: 39, name: "NP minibatches")
    /// Node-perturbation noise; index: the Monte Carlo draw, the training step, or the replicate of a run that draws
    /// its noise from one stream.
    public static let nodeNoise = StreamRegistry.nodePerturbation.role(id: 40, name: "NP node noise")
    /// Weight-perturbation noise; index: the Monte Carlo draw.
    public static let weightNoise = StreamRegistry.nodePerturbation.role(id: 41, name: "NP weight noise")
    /// k-means++ starts; index: `kMeansStartIndex(layer:fit:restart:)`, so that each layer's projector, each of its
    /// refits and each restart draw their own numbers.
    public static let kMeansStart = StreamRegistry.nodePerturbation.role(id: 42, name: "NP k-means++ start")
    /// Extra random directions of a subspace projector.
    public static let subspaceDirections = StreamRegistry.nodePerturbation.role(id: 43, name: "NP random subspace directions")
    /// The displacement of a student off the zero-error manifold.
    public static let displacement = StreamRegistry.nodePerturbation.role(id: 44, name: "NP displacement")

    public static let all = [task, teacher, student, inputs, evaluation, warmup, batches, nodeNoise, weightNoise,
                             kMeansStart, subspaceDirections, displacement]

    /// Layers, refits and restarts the `kMeansStart` index can tell apart.
    public static let kMeansLayers = 1 << 12, kMeansFits = 1 << 24, kMeansRestarts = 1 << 8

    /// The `kMeansStart` stream index of restart `restart` of the `fit`-th k-means fit of layer `layer`
    /// (layer << 32 | fit << 8 | restart; each below its limit, a precondition).
    public static func kMeansStartIndex(layer: Int, fit: Int, restart: Int) -> UInt64 {
        precondition((0..<kMeansLayers).contains(layer) && (0..<kMeansFits).contains(fit) && (0..<kMeansRestarts).contains(restart),
                     "k-means start (layer \(layer), fit \(fit), restart \(restart)) outside the stream index layout")
        return UInt64(layer) << 32 | UInt64(fit) << 8 | UInt64(restart)
    }
}
