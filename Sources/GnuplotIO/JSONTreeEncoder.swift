/// Encodes any `Encodable` into a `JSONValue`, with the two rules every `--json` output follows:
/// keys in snake_case (`finalLoss` -> `final_loss`), and an optional without a value written as `null`
/// instead of being left out (Foundation's JSONEncoder drops it), so every object of a kind has the same keys.
public enum JSONTreeEncoder {
    public static func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        if let direct = value as? JSONValue { return direct }
        let node = Node()
        try value.encode(to: TreeEncoder(node: node, codingPath: []))
        return node.value
    }

    /// `finalLambdaMinK` -> `final_lambda_min_k`, `ci95` stays `ci95`.
    static func snakeCase(_ key: String) -> String {
        var out = ""
        for (k, ch) in key.enumerated() {
            if ch.isUppercase {
                if k > 0 { out += "_" }
                out += ch.lowercased()
            } else {
                out.append(ch)
            }
        }
        return out
    }
}

/// A mutable slot of the tree being built; containers hold their children as nodes until read.
private final class Node {
    enum Content {
        case value(JSONValue)
        case array([Node])
        case object([(String, Node)])
    }

    var content: Content = .value(.null)

    var value: JSONValue {
        switch content {
        case .value(let v): v
        case .array(let nodes): .array(nodes.map(\.value))
        case .object(let members):
            .object(Dictionary(members.map { ($0.0, $0.1.value) }, uniquingKeysWith: { _, last in last }))
        }
    }

    func child(forKey key: String) -> Node {
        let node = Node()
        if case .object(var members) = content {
            members.append((key, node))
            content = .object(members)
        } else {
            content = .object([(key, node)])
        }
        return node
    }

    func appendChild() -> Node {
        let node = Node()
        if case .array(var nodes) = content {
            nodes.append(node)
            content = .array(nodes)
        } else {
            content = .array([node])
        }
        return node
    }

    func becomeObject() { if case .object = content {} else { content = .object([]) } }
    func becomeArray() { if case .array = content {} else { content = .array([]) } }
    var count: Int { if case .array(let nodes) = content { nodes.count } else { 0 } }
}

private struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> UnkeyedEncodingContainer {
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

/// Stores a leaf value, or encodes a nested Encodable into `node`.
private func store<T: Encodable>(_ value: T, in node: Node, codingPath: [CodingKey]) throws {
    switch value {
    case let v as JSONValue: node.content = .value(v)
    case let v as Double: node.content = .value(.number(v))
    case let v as Float: node.content = .value(.number(Double(v)))
    case let v as Int: node.content = .value(.integer(Int64(v)))
    case let v as Int64: node.content = .value(.integer(v))
    case let v as Int32: node.content = .value(.integer(Int64(v)))
    case let v as UInt64: node.content = .value(.unsigned(v))
    case let v as UInt: node.content = .value(.unsigned(UInt64(v)))
    case let v as UInt32: node.content = .value(.unsigned(UInt64(v)))
    case let v as Bool: node.content = .value(.bool(v))
    case let v as String: node.content = .value(.string(v))
    default: try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
    }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [CodingKey]

    private func child(_ key: Key) -> Node { node.child(forKey: JSONTreeEncoder.snakeCase(key.stringValue)) }

    mutating func encodeNil(forKey key: Key) throws { child(key).content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, in: child(key), codingPath: codingPath + [key])
    }

    // Synthesized Encodable calls these for optionals: a missing value becomes null, never an absent key.
    mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }
    mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Float?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt8?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt16?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt32?, forKey key: Key) throws { try encodeOptional(value, key) }
    mutating func encodeIfPresent(_ value: UInt64?, forKey key: Key) throws { try encodeOptional(value, key) }

    private mutating func encodeOptional<T: Encodable>(_ value: T?, _ key: Key) throws {
        if let value { try encode(value, forKey: key) } else { try encodeNil(forKey: key) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let node = child(key)
        node.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: node, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> UnkeyedEncodingContainer {
        let node = child(key)
        node.becomeArray()
        return UnkeyedContainer(node: node, codingPath: codingPath + [key])
    }

    mutating func superEncoder() -> Encoder { TreeEncoder(node: node.child(forKey: "super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> Encoder { TreeEncoder(node: child(key), codingPath: codingPath + [key]) }
}

private struct IndexKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(_ index: Int) { stringValue = "\(index)"; intValue = index }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { self.init(intValue) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.appendChild().content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try store(value, in: node.appendChild(), codingPath: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let child = node.appendChild()
        child.becomeObject()
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(node: child, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> UnkeyedEncodingContainer {
        let child = node.appendChild()
        child.becomeArray()
        return UnkeyedContainer(node: child, codingPath: codingPath)
    }

    mutating func superEncoder() -> Encoder { TreeEncoder(node: node.appendChild(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [CodingKey]

    mutating func encodeNil() throws { node.content = .value(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, in: node, codingPath: codingPath) }
}
