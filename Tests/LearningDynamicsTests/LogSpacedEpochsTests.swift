import Foundation
import Testing
import LearningDynamics

/// The fixture copy of shared/reference/data/log_downsample_lengths.csv: how many epochs the reference logs for
/// given (nb_epochs, num_points), and the last one (curl-descent.md 2.1). Its `#` first line says where it comes from.
private let lengthsFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .appendingPathComponent("../Fixtures/reference-data/log_downsample_lengths.csv").standardizedFileURL

private struct LengthRow { let epochs, points, count, lastIndex: Int }

private func referenceLengths() throws -> [LengthRow] {
    let lines = try String(contentsOf: lengthsFile, encoding: .utf8).split(whereSeparator: \.isNewline)
        .filter { !$0.hasPrefix("#") }
    #expect(lines.first == "nb_epochs,num_points,n_logged_indices,last_index")
    return try lines.dropFirst().map { line in
        let fields = line.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard fields.count == 4 else { throw CocoaError(.fileReadCorruptFile) }
        return LengthRow(epochs: fields[0], points: fields[1], count: fields[2], lastIndex: fields[3])
    }
}

@Test func lengthsMatchEveryRowOfTheReferenceTable() throws {
    let rows = try referenceLengths()
    #expect(rows.count == 6)
    for row in rows {
        let indices = LogSpacedEpochs.indices(epochs: row.epochs, points: row.points)
        #expect(indices.count == row.count, "\(row.epochs) epochs, \(row.points) points")
        #expect(indices.last == row.lastIndex)
        #expect(indices.last == row.epochs - 1)
        #expect(Array(indices.prefix(3)) == [0, 1, 2], "dense at the start: rounding merges the early points")
        #expect(zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }, "strictly increasing")
    }
}

@Test func indicesMatchNumpy() {
    // Printed by numpy 2.4: np.unique(np.round(np.geomspace(1, e, num=n)).astype(int)) - 1.
    #expect(LogSpacedEpochs.indices(epochs: 100, points: 10) == [0, 1, 2, 4, 7, 12, 21, 35, 59, 99])
    #expect(LogSpacedEpochs.indices(epochs: 1000, points: 7) == [0, 2, 9, 31, 99, 315, 999])
    let long = LogSpacedEpochs.indices(epochs: 100_000, points: 100)
    #expect(Array(long.prefix(20)) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 15, 17, 20, 22, 25, 28, 32])
    #expect(Array(long.suffix(5)) == [62802, 70547, 79247, 89021, 99999])
}

@Test func degenerateGrids() {
    #expect(LogSpacedEpochs.indices(epochs: 5, points: 0) == [])
    #expect(LogSpacedEpochs.indices(epochs: 5, points: 1) == [0], "geomspace with one point is just the start, 1")
    #expect(LogSpacedEpochs.indices(epochs: 1, points: 5) == [0])
    #expect(LogSpacedEpochs.indices(epochs: 2, points: 10) == [0, 1])
    #expect(LogSpacedEpochs.indices(epochs: 50, points: 1000) == Array(0..<50), "more points than epochs logs every epoch")
}
