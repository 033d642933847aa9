package landscape

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a landscape file.
type Problem struct {
	// File is the file name given to Load or Parse.
	File string
	// Line and Column are 1-based; zero when the problem concerns the whole
	// file (it is empty, too large, ...).
	Line, Column int
	// Path locates the offending value, as in "accounts[0].roles[2].name";
	// empty for problems of the whole file or of YAML syntax.
	Path string
	// Message says what is wrong, lower case, without final punctuation.
	Message string
}

// String formats the problem as FILE:LINE:COL: PATH: MESSAGE on one line,
// leaving out the parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return oneLine.Replace(b.String())
}

// oneLine escapes line breaks that user text may bring into a message.
var oneLine = strings.NewReplacer("\r", `\r`, "\n", `\n`)

// Problems is every problem found in a landscape file, sorted by position.
// Load and Parse return it as their error.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Message < b.Message
	})
}

// dedupe drops repeated problems; ps must be sorted.
func (ps Problems) dedupe() Problems {
	out := ps[:0]
	for i, p := range ps {
		if i > 0 && p == ps[i-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}
