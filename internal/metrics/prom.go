package metrics

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Label is one Prometheus label: a name and its value.
type Label struct {
	Name, Value string
}

// WriteProm writes s as a Prometheus histogram named name: a cumulative
// name_bucket sample per bound and one for +Inf, then name_sum and
// name_count, each with labels. The HELP and TYPE header comes first when
// help is not empty.
func (s Snapshot) WriteProm(w io.Writer, name, help string, labels ...Label) error {
	if err := checkNames(name, labels); err != nil {
		return err
	}
	b := header(nil, name, help, "histogram")
	var cum uint64
	for i, c := range s.Counts {
		cum += c
		le := "+Inf"
		if i < len(s.Bounds) {
			le = strconv.FormatFloat(s.Bounds[i], 'g', -1, 64)
		}
		b = sample(b, name+"_bucket", labels, &Label{Name: "le", Value: le}, float64(cum))
	}
	b = sample(b, name+"_sum", labels, nil, s.Sum)
	b = sample(b, name+"_count", labels, nil, float64(s.Count))
	_, err := w.Write(b)
	return err
}

// WriteCounter writes one sample of a counter (a count that only grows:
// frames, drops).
func WriteCounter(w io.Writer, name, help string, v float64, labels ...Label) error {
	return writeOne(w, "counter", name, help, v, labels)
}

// WriteGauge writes one sample of a gauge (a value that goes up and down:
// utilisation, queue length, a camera up or down).
func WriteGauge(w io.Writer, name, help string, v float64, labels ...Label) error {
	return writeOne(w, "gauge", name, help, v, labels)
}

func writeOne(w io.Writer, kind, name, help string, v float64, labels []Label) error {
	if err := checkNames(name, labels); err != nil {
		return err
	}
	_, err := w.Write(sample(header(nil, name, help, kind), name, labels, nil, v))
	return err
}

// header appends the HELP and TYPE lines, or nothing when help is empty.
func header(b []byte, name, help, kind string) []byte {
	if help == "" {
		return b
	}
	b = append(b, "# HELP "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = escape(b, help, false)
	b = append(b, "\n# TYPE "...)
	b = append(b, name...)
	b = append(b, ' ')
	b = append(b, kind...)
	return append(b, '\n')
}

// sample appends one line: name{labels,extra} value.
func sample(b []byte, name string, labels []Label, extra *Label, v float64) []byte {
	b = append(b, name...)
	if len(labels) > 0 || extra != nil {
		b = append(b, '{')
		for i, l := range labels {
			if i > 0 {
				b = append(b, ',')
			}
			b = label(b, l)
		}
		if extra != nil {
			if len(labels) > 0 {
				b = append(b, ',')
			}
			b = label(b, *extra)
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	switch {
	case math.IsInf(v, 1):
		b = append(b, "+Inf"...)
	case math.IsInf(v, -1):
		b = append(b, "-Inf"...)
	case v != v:
		b = append(b, "NaN"...)
	default:
		b = strconv.AppendFloat(b, v, 'g', -1, 64)
	}
	return append(b, '\n')
}

func label(b []byte, l Label) []byte {
	b = append(b, l.Name...)
	b = append(b, '=', '"')
	b = escape(b, l.Value, true)
	return append(b, '"')
}

// escape appends s with backslash and newline escaped, and double quotes
// too in a label value, as the exposition format asks.
func escape(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '"' && quote:
			b = append(b, '\\', '"')
		default:
			b = append(b, c)
		}
	}
	return b
}

// checkNames checks a metric name and its label names; "le" is the
// histogram's own label and "__" starts names Prometheus keeps for itself.
func checkNames(name string, labels []Label) error {
	if !validName(name, true) {
		return fmt.Errorf("%w: metric %q", ErrName, name)
	}
	for _, l := range labels {
		if !validName(l.Name, false) || l.Name == "le" || strings.HasPrefix(l.Name, "__") {
			return fmt.Errorf("%w: label %q of %s", ErrName, l.Name, name)
		}
	}
	return nil
}

func validName(s string, colon bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (colon && c == ':') || (i > 0 && c >= '0' && c <= '9')
		if !ok {
			return false
		}
	}
	return true
}
