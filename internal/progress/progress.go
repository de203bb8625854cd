// Package progress draws progress bars for long command-line runs. A bar is
// drawn only when its writer is a terminal, so logs and pipes stay clean;
// it redraws at most ten times a second.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Bar is one progress bar. Its methods are not safe for concurrent use.
type Bar struct {
	w     io.Writer
	label string
	total int
	n     int
	on    bool
	last  time.Time
}

// New returns a bar counting to total (0 when unknown) on w, drawn only when
// w is a terminal.
func New(w io.Writer, label string, total int) *Bar {
	return &Bar{w: w, label: label, total: total, on: IsTerminal(w)}
}

// IsTerminal reports whether w is a character device (a terminal).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Add counts n more done and redraws when due.
func (b *Bar) Add(n int) {
	b.n += n
	if !b.on {
		return
	}
	if now := time.Now(); now.Sub(b.last) >= 100*time.Millisecond {
		b.last = now
		b.draw()
	}
}

// Done draws the final state and ends the line.
func (b *Bar) Done() {
	if !b.on {
		return
	}
	b.draw()
	fmt.Fprintln(b.w)
}

func (b *Bar) draw() {
	if b.total <= 0 {
		fmt.Fprintf(b.w, "\r%s %d", b.label, b.n)
		return
	}
	const width = 30
	k := min(width, width*b.n/b.total)
	fmt.Fprintf(b.w, "\r%s [%s%s] %d/%d", b.label, strings.Repeat("=", k), strings.Repeat(" ", width-k), b.n, b.total)
}
