package main

import (
	"strings"
)

// A run of some rows (-rows) must not wipe the figures of the others: the
// rows of the previous section that this run did not measure are kept
// under "Earlier runs", each group with the date, commit and command that
// measured it.

// earlierBlock is one group of carried rows with their provenance.
type earlierBlock struct {
	from  string   // "2026-11-24 08:12 UTC, commit `5ddab690e172`, `go run …`"
	rows  []string // table lines
	notes []string // "F1: …" lines
}

const earlierHeading = "### Earlier runs"

// rowID returns the row id of a table line ("| F1 | SQLite | …").
func rowID(line string) string {
	f := strings.Split(line, "|")
	if len(f) < 3 {
		return ""
	}
	return strings.TrimSpace(f[1])
}

// parseBlocks splits an old section into its main block and its earlier
// blocks.
func parseBlocks(sec string) []earlierBlock {
	var blocks []earlierBlock
	cur := &earlierBlock{}
	var date, commit, command string
	flushMain := func() {
		if cur.from == "" {
			cur.from = date + ", commit " + commit + ", " + command
		}
	}
	for _, line := range strings.Split(sec, "\n") {
		switch {
		case strings.HasPrefix(line, "- Date: "):
			date = strings.TrimPrefix(line, "- Date: ")
		case strings.HasPrefix(line, "- Commit: "):
			commit = strings.TrimPrefix(line, "- Commit: ")
		case strings.HasPrefix(line, "- Command: "):
			command = strings.TrimPrefix(line, "- Command: ")
		case strings.HasPrefix(line, "Measured by "):
			flushMain()
			blocks = append(blocks, *cur)
			cur = &earlierBlock{from: strings.TrimSuffix(strings.TrimPrefix(line, "Measured by "), ":")}
		case strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| row ") && rowID(line) != "":
			cur.rows = append(cur.rows, line)
		case len(line) > 3 && strings.Contains(line[:min(len(line), 6)], ": ") && !strings.HasPrefix(line, "- "):
			cur.notes = append(cur.notes, line)
		}
	}
	flushMain()
	return append(blocks, *cur)
}

// carryOver renders the rows of old that are not in measured.
func carryOver(old string, measured map[string]bool) string {
	if old == "" {
		return ""
	}
	var b strings.Builder
	for _, blk := range parseBlocks(old) {
		var rows, notes []string
		kept := map[string]bool{}
		for _, r := range blk.rows {
			if id := rowID(r); !measured[id] {
				rows = append(rows, r)
				kept[id] = true
			}
		}
		if len(rows) == 0 {
			continue
		}
		for _, n := range blk.notes {
			if kept[n[:strings.Index(n, ":")]] {
				notes = append(notes, n)
			}
		}
		if b.Len() == 0 {
			b.WriteString("\n" + earlierHeading + "\n\nRows this run did not measure, as measured before.\n")
		}
		b.WriteString("\nMeasured by " + blk.from + ":\n\n")
		b.WriteString("| row | database | data | metric | median | runs | target | result |\n|---|---|---|---|---|---|---|---|\n")
		for _, r := range rows {
			b.WriteString(r + "\n")
		}
		for _, n := range notes {
			b.WriteString("\n" + n + "\n")
		}
	}
	return b.String()
}
