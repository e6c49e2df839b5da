/// Prometheus text exposition in a stable order.
///
/// swift-prometheus emits its registry in hash order, which differs from process to process; a textfile that
/// reorders itself every run makes diffs and backups of it noisy. `sorted` puts the metric families in name
/// order and each family's samples in label order, keeping `# HELP` before `# TYPE` before the samples.
enum PrometheusText {
    /// `text` with its families sorted by metric name and each family's samples sorted.
    static func sorted(_ text: String) -> String {
        var families: [String: (comments: [Substring], samples: [Substring])] = [:]
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# ") {
                let words = line.split(separator: " ", maxSplits: 3)
                guard words.count >= 3 else { continue }
                families[String(words[2]), default: ([], [])].comments.append(line)
            } else if let end = line.firstIndex(where: { $0 == "{" || $0 == " " }) {
                families[String(line[..<end]), default: ([], [])].samples.append(line)
            }
        }
        var output = ""
        for name in families.keys.sorted() {
            let family = families[name]!
            let help = family.comments.filter { $0.hasPrefix("# HELP ") }
            let others = family.comments.filter { !$0.hasPrefix("# HELP ") }
            for line in help + others + family.samples.sorted() { output += line + "\n" }
        }
        return output
    }
}
