import NumericalKit
import StudentTeacherCore

/// The stream roles of the node-perturbation module (ids 32-63, `StreamRegistry.nodePerturbation`; see `StreamRole`). Every random draw of the module
/// goes through one of them, so that no two purposes share numbers: the Monte Carlo noise of draw k is never the
/// stream that built the task, the batch, the warm-up, the teacher or the student.
public enum NPStreams {
    /// The clustered task's read-out, common-mode span, centroids and cluster spans (`ClusteredTask`).
    public static let task = StreamRegistry.nodePerturbation.role(id: 32, name: "NP clustered task")
    /// A random teacher network (`StudentTeacher`, the nonlinear clustered teacher).
    public static let teacher = StreamRegistry.nodePerturbation.role(id: 33, name: "NP teacher")
    /// The student's initial weights.
    public static let student = StreamRegistry.nodePerturbation.role(id: 34, name: "NP student")
    /// A fixed batch of Gaussian inputs (`StudentTeacher`).
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
    /// k-means++ starts; index: the restart.
    public static let kMeansStart = StreamRegistry.nodePerturbation.role(id: 42, name: "NP k-means++ start")
    /// Extra random directions of a subspace projector.
    public static let subspaceDirections = StreamRegistry.nodePerturbation.role(id: 43, name: "NP random subspace directions")
    /// The displacement of a student off the zero-error manifold.
    public static let displacement = StreamRegistry.nodePerturbation.role(id: 44, name: "NP displacement")

    public static let all = [task, teacher, student, inputs, evaluation, warmup, batches, nodeNoise, weightNoise,
                             kMeansStart, subspaceDirections, displacement]
}
