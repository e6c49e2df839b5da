import FoundationEssentials

extension StorageAudit {
    /// The audit as an aligned text table followed by the totals in words and the free-space verdict.
    /// - Parameter exactBytes: print byte counts as exact integers instead of binary units (`--bytes`).
    public func table(exactBytes: Bool = false) -> String {
        let size: (Int) -> String = exactBytes ? { String($0) } : { ByteCount.format($0) }
        let columns: [(title: String, tally: (Row) -> Tally)] = [
            ("listed", \.listed),
            ("archived", \.archived),
            ("missing", \.missing),
            ("wrong size", \.wrongSize),
            ("no longer listed", \.noLongerListed),
        ]
        let rows = agents.map { (Self.label(of: $0), $0) } + [("total", total)]
        let labelWidth = max(5, rows.map(\.0.count).max() ?? 0)
        // Each column is "count  size", the counts and the sizes each right-aligned within the column.
        let countWidths = columns.map { column in rows.map { String(column.tally($0.1).count).count }.max() ?? 1 }
        let sizeWidths = columns.map { column in rows.map { size(column.tally($0.1).bytes).count }.max() ?? 1 }
        let widths = columns.indices.map { max(columns[$0].title.count, countWidths[$0] + 2 + sizeWidths[$0]) }

        func pad(_ text: String, _ width: Int) -> String {
            String(repeating: " ", count: max(0, width - text.count)) + text
        }
        func line(_ label: String, _ cells: [String]) -> String {
            var text = label + String(repeating: " ", count: labelWidth - label.count)
            for (cell, width) in zip(cells, widths) { text += "   " + pad(cell, width) }
            return text
        }
        var lines = heading.map { [$0, ""] } ?? []
        lines.append(line("agent", columns.map(\.title)))
        for (index, (label, row)) in rows.enumerated() {
            if index == rows.count - 1 {
                lines.append(String(repeating: "-", count: labelWidth + widths.reduce(0) { $0 + 3 + $1 }))
            }
            let cells = columns.indices.map { column in
                let tally = columns[column].tally(row)
                return pad(String(tally.count), countWidths[column]) + "  "
                    + pad(size(tally.bytes), sizeWidths[column])
            }
            lines.append(line(label, cells))
        }
        lines.append("")
        lines.append(contentsOf: conclusions(size: exactBytes ? { "\($0) bytes" } : { ByteCount.format($0) }))
        return lines.joined(separator: "\n") + "\n"
    }

    /// The free-space verdict, such as "fits, 412.0 GiB free after" or "does not fit: needs 1.2 TiB, 800.0 GiB
    /// free"; nil when the free space is unknown.
    func verdict(exactBytes: Bool = false) -> String? {
        verdict(size: exactBytes ? { "\($0) bytes" } : { ByteCount.format($0) })
    }

    private func verdict(size: (Int) -> String) -> String? {
        guard let space else { return nil }
        if space.fits { return "fits, \(size(space.freeAfterBytes)) free after" }
        return "does not fit: needs \(size(space.neededBytes + space.minimumFreeBytes)), \(size(space.freeBytes)) free"
    }

    private func conclusions(size: (Int) -> String) -> [String] {
        var lines: [String] = []
        let download = total.wouldDownload
        if download.count == 0 {
            lines.append("nothing to download: every listed recording is archived with its announced size")
        } else {
            lines.append(
                "would download \(download.count) \(Self.recordings(download.count)) (\(size(download.bytes))): "
                    + "\(total.missing.count) missing, \(total.wrongSize.count) with the wrong size")
            if total.wrongSize.count > 0 {
                lines.append(
                    "  the wrong-sized files (\(size(total.wrongSizeFoundBytes))) would be moved aside to "
                        + "<name>.mp4.replaced-<unix time>, never deleted")
            }
        }
        if total.missingSidecars > 0 {
            lines.append("would rewrite \(total.missingSidecars) missing .json sidecars (no download)")
        }
        if total.notCatalogued > 0 {
            lines.append(
                "\(total.notCatalogued) archived \(Self.recordings(total.notCatalogued)) on disk but not catalogued: "
                    + "a run catalogues each whose SHA-256 matches its sidecar (no download)")
        }
        if total.noLongerListed.count > 0 {
            lines.append(
                "\(total.noLongerListed.count) archived \(Self.recordings(total.noLongerListed.count)) "
                    + "(\(size(total.noLongerListed.bytes))) no longer listed by the API: kept")
        }
        if unusableItems > 0 {
            lines.append("\(unusableItems) listed items are unusable (see the log); a run reports them as failed")
        }
        if let space, let verdict = verdict(size: size) {
            var needs = "\(size(space.neededBytes)) to download"
            if space.minimumFreeBytes > 0 { needs += " + \(size(space.minimumFreeBytes)) archive.min_free" }
            let now = space.isAssumed ? "assumed free (archive.assume_free)" : "free now"
            lines.append("free space: \(verdict) (\(size(space.freeBytes)) \(now); \(needs))")
        } else if isInObjectStorage {
            lines.append(
                "free space: not checked (object storage has none to report; the local spool in the state folder "
                    + "holds the recordings being transferred, at most `transfers` at a time)")
        } else if isSpaceUnreported {
            lines.append(
                "free space: unknown (the archive's file system reports no figures; set archive.assume_free to "
                    + "check against one)")
        } else {
            lines.append("free space: unknown (the archive's file system did not answer statvfs)")
        }
        return lines
    }

    /// "archive /mnt/nas/getscreen; sessions listed from 2026-05-01T00:00:00Z up to 2026-05-25T02:30:00Z" (the
    /// listing's `date_from` and `date_to`, whatever the API filters on); nil when the audit does not say.
    private var heading: String? {
        guard archiveRoot != nil || dateTo != nil else { return nil }
        let style = Date.ISO8601FormatStyle()
        var parts: [String] = []
        if let archiveRoot { parts.append("archive \(archiveRoot)") }
        if let dateTo {
            let from = dateFrom.map { "listed from \($0.formatted(style))" } ?? "of all history"
            parts.append("sessions \(from) up to \(dateTo.formatted(style))")
        }
        return parts.joined(separator: "; ")
    }

    private static func label(of row: Row) -> String {
        var name = row.agentName ?? "?"
        if name.count > 40 { name = String(name.prefix(39)) + "…" }
        return "\(name) (\(row.agentID.map(String.init) ?? "?"))"
    }

    private static func recordings(_ count: Int) -> String { count == 1 ? "recording" : "recordings" }
}
