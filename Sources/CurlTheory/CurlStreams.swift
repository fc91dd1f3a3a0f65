import NumericalKit
import StudentTeacherCore

/// The stream roles of the random-matrix side of curl descent (ids 16-31, `StreamRegistry.curlTheory`; see `StreamRole`).
public enum CurlStreams {
    /// The hidden-layer weights W1 of a finite-size stability matrix; index: the draw.
    public static let stabilitySample = StreamRegistry.curlTheory.role(id: 16, name: "curl stability-matrix sample")

    public static let all = [stabilitySample]
}
