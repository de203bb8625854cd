package pipeline

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/athlete3d/athlete3d/pipeline/record"
	"github.com/athlete3d/athlete3d/skeleton"
)

// JSONLSink writes the fused frames as the JSONL frame stream of
// docs/jsonl.md, the format of the triangulate verb: a line per frame with
// each athlete's joints and speed, and a line per foot event. Lines reach
// the file at least every FlushEvery, so a crash loses at most that much.
type JSONLSink struct {
	name   string
	file   *os.File
	w      *record.JSONLWriter
	last   time.Time
	every  time.Duration
	speeds []float64 // this frame's, one per person
}

// FlushEvery is how often a JSONLSink pushes its lines to the file.
const FlushEvery = 500 * time.Millisecond

// NewJSONLSink creates (or truncates) the file at path for frames of set.
func NewJSONLSink(path string, set *skeleton.Set) (*JSONLSink, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("jsonl sink: %w", err)
	}
	return &JSONLSink{name: "jsonl " + path, file: f, w: record.NewJSONLWriter(f, set), every: FlushEvery}, nil
}

// NewJSONLWriterSink writes to w, which it does not close.
func NewJSONLWriterSink(name string, w io.Writer, set *skeleton.Set) *JSONLSink {
	return &JSONLSink{name: name, w: record.NewJSONLWriter(w, set), every: FlushEvery}
}

// Name returns "jsonl" and the file's path.
func (s *JSONLSink) Name() string { return s.name }

// Write writes f's frame line and its foot events.
func (s *JSONLSink) Write(f *Fused) error {
	defer f.Release()
	s.speeds = s.speeds[:0]
	for i := range f.Athletes {
		s.speeds = append(s.speeds, f.Athletes[i].Speed())
	}
	if err := s.w.Frame(int(f.Number), f.Time.Seconds(), f.People, s.speeds); err != nil {
		return err
	}
	for i := range f.Events {
		if err := s.w.Event(f.Events[i].Athlete, &f.Events[i].Event); err != nil {
			return err
		}
	}
	if now := time.Now(); now.Sub(s.last) >= s.every {
		s.last = now
		return s.w.Flush()
	}
	return nil
}

// Close flushes and closes the file.
func (s *JSONLSink) Close() error {
	err := s.w.Flush()
	if s.file != nil {
		if cerr := s.file.Close(); err == nil {
			err = cerr
		}
	}
	return err
}
