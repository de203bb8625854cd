package progress

import (
	"bytes"
	"testing"
)

func TestNotTerminal(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "frames", 10)
	for range 10 {
		b.Add(1)
	}
	b.Done()
	if buf.Len() != 0 {
		t.Errorf("a bar on a buffer wrote %q, want nothing", buf.String())
	}
}

func TestDraw(t *testing.T) {
	var buf bytes.Buffer
	b := &Bar{w: &buf, label: "views", total: 4, on: true}
	b.Add(2)
	b.Done()
	want := "\rviews [===============               ] 2/4\rviews [===============               ] 2/4\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
