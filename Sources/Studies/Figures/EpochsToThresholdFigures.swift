import LearningDynamics

/// The grids of the Fig. 5 / 10 / 11 epochs-to-threshold figures (curl-descent.md section 6 and the reference's
/// argLists) and the reference's printed numbers. Common: tanh 100-10-1, one flipped readout neuron (alpha_r = 0.1),
/// init_range 2, uniform, teacher range 1, B = 10, lr 0.1, 1e5 epochs, 100 logging points, norm constraint on.
extension EpochsToThresholdFigure {
    /// fig5c's P grid: {100, 140, ..., 440, 500, 600, ..., 2000} (19 values).
    public static let trainSizes: [Double] = [100, 140, 180, 220, 260, 300, 340, 380, 420, 440, 500, 600, 800, 1000, 1200, 1400, 1600, 1800, 2000]
    /// The student init ranges the reference ran for fig5d/fig10c/fig11b (17 values); fig5d plots those from 0.7.
    public static let studentScales: [Double] = [0.01, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    /// The teacher ranges of fig5e/fig11c (17 values); fig5e plots those up to 3.0.
    public static let teacherScales: [Double] = [0.1, 0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.25, 2.5, 2.75, 3, 3.25, 3.5, 3.75, 4]
    /// alpha_r = nAH / 10 for nAH = 1...10.
    public static let flippedFractions: [Double] = (1...10).map { Double($0) / 10 }

    static func base(trainCount: Int = 2000, normConstraint: Bool = true) -> ThresholdSetup {
        var s = ThresholdSetup()
        s.trainCount = trainCount
        s.normConstraint = normConstraint
        return s
    }

    // Quick scale (about a minute on one core, release): P >= 1000 is where curl is faster, so the quick grids keep
    // a small P and large ones, at 4 inits and a 6000-epoch cap.

    public static let fig5c = EpochsToThresholdFigure(
        name: "fig5c", summary: "tanh 100-10-1, one flipped readout neuron: epochs to test error 1e-3 against P, GD vs curl",
        axis: .trainSize, xLabel: "training set size P (samples)",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: trainSizes, quick: [260, 1000, 2000])],
        base: base(), inits: (40, 4), epochs: (100_000, 6000), quickTrainCount: nil, pooledUpTo: nil, gdBand: false,
        reference: Reference(
            // /work/shared/reference/data/fig5c_nb_train_epochs_to_1e-3_vs_P.csv (columns P_train, GD, curl)
            trainSource: "fig5c_nb_train_epochs_to_1e-3_vs_P.csv",
            trainEpochs: [(100, 191.3, 203.7), (140, 277.9, 334.8), (180, 401.9, 456.8), (220, 470.9, 451), (260, 569.1, 590.1),
                          (300, 697.8, 680.8), (340, 853.4, 788.6), (380, 948.3, 776.1), (420, 1115.6, 891.1), (440, 1127.4, 909.5),
                          (500, 1250.3, 1060.9), (600, 1595.8, 1026.1), (800, 2286, 1304.1), (1000, 2575.4, 1563.2), (1200, 2510.2, 1198.1),
                          (1400, 2747.5, 1185.9), (1600, 2888.9, 1248.1), (1800, 2535.7, 1398.7), (2000, 2972, 1090.1)],
            // /work/shared/reference/data/fig5c_nb_ttest_GD_vs_curl_test_epochs.csv (x = 0: pooled over the 19 P)
            tTestSource: "fig5c_nb_ttest_GD_vs_curl_test_epochs.csv",
            tTests: [(0, 6.771652532, 2.550991236e-11, 759), (500, -0.01091296413, 0.9913485219, 39), (800, 0.7280464102, 0.470934034, 39),
                     (1000, 2.879530082, 0.006436194507, 39), (1200, 2.277005876, 0.02835168224, 39), (1400, 3.015106295, 0.004501812027, 39),
                     (1600, 3.131633794, 0.003290526659, 39), (1800, 5.037377794, 1.112995089e-05, 39), (2000, 3.130379489, 0.003301743889, 39)]),
        figureTitle: "Fig. 5c: tanh, one flipped readout neuron, epochs to test error 1e-3")

    public static let fig5d = EpochsToThresholdFigure(
        name: "fig5d", summary: "tanh, P = 1e4 (quick: 1e3): epochs to test error 1e-3 against the student init scale, GD vs curl",
        axis: .studentScale, xLabel: "student init range r (weights U(-r/sqrt(fan-in), r/sqrt(fan-in)))",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: Array(studentScales[5...]), quick: [1, 4, 8])],
        base: base(trainCount: 10_000), inits: (40, 3), epochs: (100_000, 4000), quickTrainCount: 1000, pooledUpTo: nil, gdBand: false,
        reference: Reference(
            // /work/shared/reference/data/fig5d_nb_train_epochs_to_1e-3_vs_student_init.csv (GD, curl; scales >= 0.7)
            trainSource: "fig5d_nb_train_epochs_to_1e-3_vs_student_init.csv",
            trainEpochs: [(0.7, 323.1, 410.7), (1, 177.5, 211.5), (1.5, 1824.3, 647.4), (2, 2146.4, 1322), (3, 2449, 810.7), (4, 3717.8, 867.7),
                          (5, 6638.1, 1307.3), (6, 17525, 784.7), (7, 22699.5, 10861.1), (8, 46706.6, 6885.4), (9, 55142.5, 20779.8),
                          (10, 54831.3, 48720.5)],
            // /work/shared/reference/data/fig5d_nb_ttest_GD_vs_curl_test_epochs.csv (x = 0: pooled over 0.7-10)
            tTestSource: "fig5d_nb_ttest_GD_vs_curl_test_epochs.csv",
            tTests: [(0, 4.123511643, 4.398606362e-05, 479), (0.7, -1.179644362, 0.2452876974, 39), (1, -1.554742359, 0.1280859641, 39),
                     (1.5, 0.08128391017, 0.9356318892, 39), (2, 1.574840522, 0.1233715919, 39), (3, 4.25604097, 0.000126415733, 39),
                     (4, 3.706640849, 0.0006510772299, 39), (5, -0.03590360175, 0.9715423682, 39), (6, 4.115331199, 0.0001936788432, 39),
                     (7, 1.691536853, 0.09871139551, 39), (8, 2.547879785, 0.01489151991, 39), (9, 1.342192694, 0.187295265, 39),
                     (10, 0.007632266935, 0.9939492995, 39)]),
        figureTitle: "Fig. 5d: tanh, P = 10^4 (quick: 10^3), epochs to test error 1e-3 against the student init scale")

    public static let fig5e = EpochsToThresholdFigure(
        name: "fig5e", summary: "tanh, P = 1e4 (quick: 1e3), 2e5 epochs: epochs to test error 1e-3 against the teacher scale, GD vs curl",
        axis: .teacherScale, xLabel: "teacher init range t (task complexity)",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: Array(teacherScales[...12]), quick: [0.25, 1, 2])],
        base: base(trainCount: 10_000), inits: (10, 3), epochs: (200_000, 4000), quickTrainCount: 1000, pooledUpTo: nil, gdBand: false,
        reference: Reference(
            // /work/shared/reference/data/fig5e_nb_train_epochs_to_1e-3_vs_teacher_init.csv (GD, curl; scales <= 3); no t-tests printed
            trainSource: "fig5e_nb_train_epochs_to_1e-3_vs_teacher_init.csv",
            trainEpochs: [(0.1, 1783.4, 979.4), (0.25, 2119, 1025.9), (0.5, 2048.5, 1134), (0.75, 2146.4, 931.2), (1, 2521.5, 1340.4),
                          (1.25, 4099.2, 5759.3), (1.5, 70063.6, 106993), (1.75, 101907, 115445), (2, 55128.1, 76919), (2.25, 122368, 120621),
                          (2.5, 153414, 154261), (2.75, 169374, 170604), (3, 199999, 199999)],
            tTestSource: nil, tTests: []),
        figureTitle: "Fig. 5e: tanh, P = 10^4 (quick: 10^3), epochs to test error 1e-3 against the teacher scale")

    public static let fig5f = EpochsToThresholdFigure(
        name: "fig5f", summary: "tanh, P = 2000 (quick: 1000): curl's epochs to test error 1e-3 against the flipped fraction alpha_r, GD as a band",
        axis: .flippedFraction, xLabel: "fraction of rule-flipped readout neurons {/Symbol a}_r",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: flippedFractions, quick: [0.1, 0.5, 0.9])],
        base: base(trainCount: 2000), inits: (10, 3), epochs: (100_000, 5000), quickTrainCount: 1000, pooledUpTo: 0.6, gdBand: true,
        reference: Reference(
            // /work/shared/reference/data/fig5f_nb_train_epochs_to_1e-3_vs_n_flipped.csv (GD, curl; x = n_flipped / 10)
            trainSource: "fig5f_nb_train_epochs_to_1e-3_vs_n_flipped.csv",
            trainEpochs: [(0.1, 2539.8, 1215.2), (0.2, 2551.3, 1634.6), (0.3, 2673.5, 1450.9), (0.4, 2690.2, 2261.9), (0.5, 2736.5, 2626.6),
                          (0.6, 2576.6, 3853.7), (0.7, 2805.3, 4702.6), (0.8, 2820.6, 5567.9), (0.9, 2826.6, 7903.2), (1, 2911.9, 99999)],
            // /work/shared/reference/data/fig5f_nb_ttest_GD_vs_curl_test_epochs.csv (x = 0: pooled over alpha_r 0.1-0.6)
            tTestSource: "fig5f_nb_ttest_GD_vs_curl_test_epochs.csv",
            tTests: [(0, -4.667308451, 1.802138492e-05, 59), (0.1, 2.32339085, 0.04523399493, 9), (0.2, -1.370977966, 0.2035955708, 9),
                     (0.3, -1.338532644, 0.2135511484, 9), (0.4, -5.627733919, 0.00032263019, 9), (0.5, -2.951070392, 0.01619274027, 9),
                     (0.6, -7.386830102, 4.161124242e-05, 9), (0.7, -6.29899821, 0.0001411519091, 9), (0.8, -16.290874, 5.496755952e-08, 9),
                     (0.9, -1.891465976, 0.0911225722, 9), (1, -2.517967011, 0.0328781404, 9)]),
        figureTitle: "Fig. 5f: tanh, P = 2000 (quick: 1000), curl descent against the flipped fraction (GD band)")

    public static let fig10ab = EpochsToThresholdFigure(
        name: "fig10ab", summary: "ReLU version of fig5c: epochs to test error 1e-3 against P, GD vs curl",
        axis: .trainSize, xLabel: "training set size P (samples)",
        variants: [Variant(title: "relu, uniform", activation: .relu, full: trainSizes, quick: [260, 1000, 2000])],
        base: base(), inits: (40, 4), epochs: (100_000, 6000), quickTrainCount: nil, pooledUpTo: nil, gdBand: false, reference: nil,
        figureTitle: "Fig. 10a,b: ReLU, one flipped readout neuron, epochs to test error 1e-3")

    public static let fig10c = EpochsToThresholdFigure(
        name: "fig10c", summary: "ReLU version of fig5d: epochs to test error 1e-3 against the student init scale (P = 1e4; quick: 1e3)",
        axis: .studentScale, xLabel: "student init range r (weights U(-r/sqrt(fan-in), r/sqrt(fan-in)))",
        variants: [Variant(title: "relu, uniform", activation: .relu, full: studentScales, quick: [1, 4, 8])],
        base: base(trainCount: 10_000), inits: (40, 3), epochs: (100_000, 4000), quickTrainCount: 1000, pooledUpTo: nil, gdBand: false,
        reference: nil, figureTitle: "Fig. 10c: ReLU, P = 10^4 (quick: 10^3), epochs to test error 1e-3 against the student init scale")

    // fig11: no norm constraint, 10 inits. The reference's fig11a tanh/normal argList has P = 460 where the others have 440.
    public static let fig11a = EpochsToThresholdFigure(
        name: "fig11a", summary: "no norm constraint: epochs to test error 1e-3 against P, linear and tanh, normal and uniform inits",
        axis: .trainSize, xLabel: "training set size P (samples)",
        variants: [
            Variant(title: "lin, normal", activation: .linear, normalInit: true, full: stride(from: 50.0, through: 150, by: 10).map { $0 }, quick: [50, 150]),
            Variant(title: "lin, uniform", activation: .linear, full: stride(from: 50.0, through: 150, by: 10).map { $0 }, quick: [50, 150]),
            Variant(title: "tanh, normal", activation: .tanh, normalInit: true, full: trainSizes.map { $0 == 440 ? 460 : $0 }, quick: [260, 1000]),
            Variant(title: "tanh, uniform", activation: .tanh, full: trainSizes, quick: [260, 1000]),
        ],
        base: base(normConstraint: false), inits: (10, 2), epochs: (100_000, 4000), quickTrainCount: nil, pooledUpTo: nil, gdBand: false,
        reference: nil, figureTitle: "Fig. 11a: no norm constraint, epochs to test error 1e-3 against P")

    public static let fig11b = EpochsToThresholdFigure(
        name: "fig11b", summary: "no norm constraint: epochs to test error 1e-3 against the student init scale (lin P = 150, tanh P = 1e4; quick tanh: 1e3)",
        axis: .studentScale, xLabel: "student init range r (weights U or N with scale r/sqrt(fan-in))",
        variants: [
            Variant(title: "lin, normal, P = 150", activation: .linear, normalInit: true, full: studentScales, quick: [1, 4], trainCount: (150, 150)),
            Variant(title: "lin, uniform, P = 150", activation: .linear, full: studentScales, quick: [1, 4], trainCount: (150, 150)),
            Variant(title: "tanh, normal, P = 1e4 (quick 1e3)", activation: .tanh, normalInit: true, full: studentScales, quick: [1, 4], trainCount: (10_000, 1000)),
            Variant(title: "tanh, uniform, P = 1e4 (quick 1e3)", activation: .tanh, full: studentScales, quick: [1, 4], trainCount: (10_000, 1000)),
        ],
        base: base(trainCount: 10_000, normConstraint: false), inits: (10, 2), epochs: (100_000, 3000), quickTrainCount: nil, pooledUpTo: nil,
        gdBand: false, reference: nil, figureTitle: "Fig. 11b: no norm constraint, epochs to test error 1e-3 against the student init scale")

    public static let fig11c = EpochsToThresholdFigure(
        name: "fig11c", summary: "no norm constraint: epochs to test error 1e-3 against the teacher scale (tanh, P = 1e4 (quick: 1e3), 2e5 epochs)",
        axis: .teacherScale, xLabel: "teacher init range t (task complexity)",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: teacherScales, quick: [0.25, 1, 2])],
        base: base(trainCount: 10_000, normConstraint: false), inits: (10, 3), epochs: (200_000, 4000), quickTrainCount: 1000, pooledUpTo: nil,
        gdBand: false, reference: nil, figureTitle: "Fig. 11c: no norm constraint, epochs to test error 1e-3 against the teacher scale")

    public static let fig11d = EpochsToThresholdFigure(
        name: "fig11d", summary: "no norm constraint: curl's epochs to test error 1e-3 against alpha_r (tanh, P = 2000 (quick: 1000)), GD as a band",
        axis: .flippedFraction, xLabel: "fraction of rule-flipped readout neurons {/Symbol a}_r",
        variants: [Variant(title: "tanh, uniform", activation: .tanh, full: flippedFractions, quick: [0.1, 0.5, 0.9])],
        base: base(trainCount: 2000, normConstraint: false), inits: (10, 3), epochs: (100_000, 5000), quickTrainCount: 1000, pooledUpTo: nil,
        gdBand: true, reference: nil, figureTitle: "Fig. 11d: no norm constraint, curl descent against the flipped fraction (GD band)")

    public static let all: [EpochsToThresholdFigure] = [fig5c, fig5d, fig5e, fig5f, fig10ab, fig10c, fig11a, fig11b, fig11c, fig11d]
}
