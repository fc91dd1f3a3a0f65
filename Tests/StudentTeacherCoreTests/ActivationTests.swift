import Foundation
import StudentTeacherCore
import Testing

// Expected values: central finite differences of each nonlinearity (independent of the closed-form derivatives),
// and the command-line spellings users type.

@Test(arguments: Activation.allCases)
func derivativesAreCentralFiniteDifferencesOfTheValue(_ f: Activation) {
    let h = 1e-5
    // Away from relu's kink at 0; central differences err by O(h^2 f''') ~ 1e-10 plus round-off ~ 1e-16 / h.
    for x in [-2.3, -0.7, 0.31, 1.9] {
        let fd = (f.value(x + h) - f.value(x - h)) / (2 * h)
        #expect(abs(fd - f.derivative(x)) < 1e-9, "\(f) at \(x)")
        let fd2 = (f.derivative(x + h) - f.derivative(x - h)) / (2 * h)
        #expect(abs(fd2 - f.secondDerivative(x)) < 1e-9, "\(f)'' at \(x)")
        let fdAnti = (f.antiderivative(x + h) - f.antiderivative(x - h)) / (2 * h)
        #expect(abs(fdAnti - f.value(x)) < 1e-9, "\(f) antiderivative at \(x)")
        let both = f.valueAndDerivative(x)
        #expect(both.value == f.value(x) && both.derivative == f.derivative(x))
    }
}

@Test func theCommandLineSpellingsOfBothPapersParse() {
    #expect(Activation(rawValue: "lin") == .linear)
    #expect(Activation(rawValue: "tanh") == .tanh)
    #expect(Activation(rawValue: "relu") == .relu)
    #expect(Activation(rawValue: "erf") == .erf)
    #expect(Activation(rawValue: "sigmoid") == .sigmoid)
    #expect(Activation(rawValue: "linear") == nil)
}

@Test func reluHasDerivativeZeroAtItsKink() {
    #expect(Activation.relu.derivative(0) == 0)
    #expect(Activation.relu.derivative(1e-300) == 1)
}
