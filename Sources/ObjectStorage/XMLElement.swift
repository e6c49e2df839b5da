internal import CLibXML2

/// An element of a small XML document, read and written by libxml2: S3's answers and request bodies.
///
/// A parsed document is copied into these values at once and libxml2's tree is freed, so nothing C-owned
/// outlives `parse(_:)` and the values cross threads freely.
struct XMLElement: Sendable, Equatable {
    /// The element's local name (S3's namespace prefix, if any, is dropped).
    var name: String
    /// The element's own text: its text and CDATA children, concatenated.
    var text: String
    /// The child elements, in document order.
    var children: [XMLElement]

    /// Creates an element; `text` and `children` are written in that order.
    init(_ name: String, text: String = "", children: [XMLElement] = []) {
        self.name = name
        self.text = text
        self.children = children
    }

    /// The first child element named `name`.
    func child(_ name: String) -> XMLElement? {
        children.first { $0.name == name }
    }

    /// Every child element named `name`.
    func children(named name: String) -> [XMLElement] {
        children.filter { $0.name == name }
    }

    /// The text of the first child element named `name`, or nil when there is no such child.
    func text(of name: String) -> String? {
        child(name)?.text
    }

    /// Reads a document with libxml2 (`xmlReadMemory`).
    ///
    /// The parser never fetches anything from the network and does not substitute external entities; its
    /// complaints are not printed (`XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING`).
    /// - Returns: the root element, or nil when `bytes` is not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> XMLElement? {
        LibXML2.ensureInitialized()
        let options = Int32(
            bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let document = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                xmlReadMemory(characters.baseAddress, Int32(clamping: characters.count), "answer.xml", nil, options)
            }
        }
        guard let document else { return nil }
        defer { xmlFreeDoc(document) }
        guard let root = xmlDocGetRootElement(document) else { return nil }
        return element(from: root)
    }

    /// Copies a libxml2 element node and its descendants.
    private static func element(from node: xmlNodePtr) -> XMLElement {
        var result = XMLElement(String(cString: node.pointee.name))
        var child = node.pointee.children
        while let current = child {
            switch current.pointee.type {
            case XML_ELEMENT_NODE:
                result.children.append(element(from: current))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                if let content = current.pointee.content { result.text += String(cString: content) }
            default:
                break
            }
            child = current.pointee.next
        }
        return result
    }

    /// The document with this element as its root, serialized by libxml2 (which escapes the text), UTF-8.
    /// - Parameter namespace: the default namespace (`xmlns`) declared on the root, if any.
    func document(namespace: String? = nil) -> [UInt8] {
        LibXML2.ensureInitialized()
        let document = xmlNewDoc(xmlChars("1.0"))!
        defer { xmlFreeDoc(document) }
        let root = xmlNewDocNode(document, nil, xmlChars(name), nil)!
        xmlDocSetRootElement(document, root)
        if let namespace { xmlNewProp(root, xmlChars("xmlns"), xmlChars(namespace)) }
        append(to: root)
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpMemoryEnc(document, &memory, &size, "UTF-8")
        guard let memory else { return [] }
        defer { cxml_free(memory) }
        return Array(UnsafeBufferPointer(start: memory, count: Int(size)))
    }

    /// Adds this element's text (escaped by `xmlNodeAddContent`) and children below `node`.
    private func append(to node: xmlNodePtr) {
        if !text.isEmpty { xmlNodeAddContent(node, xmlChars(text)) }
        for child in children {
            let childNode = xmlNewChild(node, nil, xmlChars(child.name), nil)!
            child.append(to: childNode)
        }
    }
}

/// `text` as the NUL-terminated UTF-8 that libxml2's `const xmlChar *` parameters take.
private func xmlChars(_ text: String) -> [xmlChar] {
    Array(text.utf8) + [0]
}

/// Runs libxml2's `xmlInitParser` once, before the first parse; libxml2 asks for that in threaded programs.
private enum LibXML2 {
    private static let initialization: Void = xmlInitParser()

    static func ensureInitialized() {
        initialization
    }
}
