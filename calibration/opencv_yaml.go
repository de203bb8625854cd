package calibration

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ReadOpenCVYAML reads an OpenCV cv::FileStorage YAML file, in any of the
// layouts opencv.go lists. The parser is FileStorage's subset of YAML and
// no more: the `%YAML:1.0` or `%YAML 1.0` header (optional), block maps
// and sequences, flow `[...]` and `{...}` spanning lines, plain and quoted
// scalars, `!!opencv-matrix` tags and comments. Anchors, aliases, block
// scalars and multiple documents are errors, each naming its line.
func ReadOpenCVYAML(r io.Reader) ([]Camera, Meta, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, Meta{}, err
	}
	root, err := parseYAML(data)
	if err != nil {
		return nil, Meta{}, fault("", err)
	}
	return openCVCameras(root)
}

// WriteOpenCVYAML writes cameras as FileStorage's YAML: the multi-camera
// layout of opencv.go, which C++ reads with fs["cam_0_K"] >> K, and for a
// single camera also the calibration sample's keys (camera_matrix,
// distortion_coefficients, image_width, image_height), which OpenCV's own
// tools read. Numbers are written exactly.
func WriteOpenCVYAML(w io.Writer, cams []Camera, m Meta) error {
	if err := checkWritable(cams, m); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("%YAML:1.0\n---\n")
	root := openCVTree(cams, m)
	for i, k := range root.keys {
		writeYAMLValue(bw, k, root.vals[i], 0)
	}
	return bw.Flush()
}

func writeYAMLValue(w *bufio.Writer, key string, n *fsNode, indent int) {
	pad := strings.Repeat(" ", indent)
	switch n.kind {
	case fsScalar:
		fmt.Fprintf(w, "%s%s: %s\n", pad, key, yamlScalar(n))
	case fsSeq:
		s := make([]string, len(n.items))
		for i, it := range n.items {
			s[i] = yamlScalar(it)
		}
		fmt.Fprintf(w, "%s%s: [ %s ]\n", pad, key, strings.Join(s, ", "))
	case fsMap:
		fmt.Fprintf(w, "%s%s:", pad, key)
		if n.tag != "" {
			w.WriteString(" !!" + n.tag)
		}
		w.WriteString("\n")
		for i, k := range n.keys {
			writeYAMLValue(w, k, n.vals[i], indent+3)
		}
	}
}

func yamlScalar(n *fsNode) string {
	if !n.quoted {
		return n.text
	}
	return strconv.Quote(n.text) // checkWritable keeps escapes out; Quote's agree with YAML's
}

// yamlLine is one line of a YAML file: its number, indentation, and text
// without the indentation, the comment and trailing spaces.
type yamlLine struct {
	num    int
	indent int
	text   string
}

type yamlParser struct {
	lines []yamlLine
	i     int
}

func parseYAML(data []byte) (*fsNode, error) {
	if !utf8.Valid(data) {
		return nil, errors.New("not UTF-8 text")
	}
	s := strings.TrimPrefix(string(data), "\ufeff")
	var p yamlParser
	started := false // past the header and the document start
	for num, raw := range strings.Split(s, "\n") {
		num++
		raw = strings.TrimRight(strings.TrimSuffix(raw, "\r"), " ")
		text := strings.TrimLeft(raw, " ")
		indent := len(raw) - len(text)
		if strings.HasPrefix(text, "\t") {
			return nil, fmt.Errorf("line %d: tab in indentation", num)
		}
		text = strings.TrimRight(stripYAMLComment(text), " \t")
		if text == "" {
			continue
		}
		if indent == 0 && text[0] == '%' {
			if started || len(p.lines) > 0 {
				return nil, fmt.Errorf("line %d: directive %q after the start of the document", num, text)
			}
			if !strings.HasPrefix(text, "%YAML:1.") && !strings.HasPrefix(text, "%YAML 1.") {
				return nil, fmt.Errorf("line %d: unsupported directive %q (want %%YAML:1.0)", num, text)
			}
			continue
		}
		if indent == 0 && (text == "---" || text == "...") {
			if len(p.lines) > 0 || started && text == "..." {
				break // FileStorage reads the first document
			}
			started = true
			continue
		}
		p.lines = append(p.lines, yamlLine{num, indent, text})
	}
	if len(p.lines) == 0 {
		return &fsNode{kind: fsMap, line: 1}, nil
	}
	root, err := p.block(p.lines[0].indent, 0)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.lines) {
		return nil, fmt.Errorf("line %d: unexpected indentation", p.lines[p.i].num)
	}
	if root.kind != fsMap {
		return nil, fmt.Errorf("line %d: the top level is not a map of keys", root.line)
	}
	return root, nil
}

// stripYAMLComment removes a comment: a # at the start or after a space,
// outside quotes.
func stripYAMLComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#' && (i == 0 || s[i-1] == ' ' || s[i-1] == '\t'):
			return s[:i]
		}
	}
	return s
}

func isSeqItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// block parses the map or sequence whose lines are at indent.
func (p *yamlParser) block(indent, depth int) (*fsNode, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nested deeper than %d", p.lines[p.i].num, maxDepth)
	}
	if isSeqItem(p.lines[p.i].text) {
		return p.seq(indent, depth)
	}
	return p.mapping(indent, depth)
}

func (p *yamlParser) mapping(indent, depth int) (*fsNode, error) {
	n := &fsNode{kind: fsMap, line: p.lines[p.i].num}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent {
			break
		}
		if l.indent > indent {
			return nil, fmt.Errorf("line %d: unexpected indentation", l.num)
		}
		if isSeqItem(l.text) {
			return nil, fmt.Errorf("line %d: sequence item inside a map", l.num)
		}
		key, rest, err := splitYAMLKey(l)
		if err != nil {
			return nil, err
		}
		p.i++
		v, err := p.value(l, rest, indent, depth, true)
		if err != nil {
			return nil, err
		}
		if err := n.put(key, v); err != nil {
			return nil, fmt.Errorf("line %d: %w", l.num, err)
		}
	}
	return n, nil
}

func (p *yamlParser) seq(indent, depth int) (*fsNode, error) {
	n := &fsNode{kind: fsSeq, line: p.lines[p.i].num}
	for p.i < len(p.lines) {
		l := p.lines[p.i]
		if l.indent < indent || l.indent == indent && !isSeqItem(l.text) {
			break // the end of a sequence written at its key's indentation
		}
		if l.indent > indent {
			return nil, fmt.Errorf("line %d: unexpected indentation", l.num)
		}
		rest := strings.TrimLeft(l.text[1:], " ")
		if rest != "" && strings.IndexByte(`"'[{!&*|>`, rest[0]) < 0 && hasYAMLKey(rest) {
			// "- key: value" opens a map whose keys line up with "key":
			// reread this line as the map's first, further in.
			off := len(l.text) - len(rest)
			p.lines[p.i] = yamlLine{l.num, indent + off, rest}
			v, err := p.mapping(indent+off, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
			continue
		}
		p.i++
		v, err := p.value(l, rest, indent, depth+1, false)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
	}
	return n, nil
}

// hasYAMLKey reports whether a plain text holds "key:" followed by a space
// or the end.
func hasYAMLKey(s string) bool {
	i := strings.Index(s, ":")
	return i > 0 && (i == len(s)-1 || s[i+1] == ' ')
}

// splitYAMLKey splits "key: rest".
func splitYAMLKey(l yamlLine) (key, rest string, err error) {
	s := l.text
	if s[0] == '"' || s[0] == '\'' {
		key, n, err := yamlQuoted(s)
		if err != nil {
			return "", "", fmt.Errorf("line %d: %w", l.num, err)
		}
		after := strings.TrimLeft(s[n:], " ")
		if !strings.HasPrefix(after, ":") || len(after) > 1 && after[1] != ' ' {
			return "", "", fmt.Errorf("line %d: want ':' after the key %q", l.num, key)
		}
		return key, strings.TrimLeft(after[1:], " "), nil
	}
	i := strings.Index(s, ": ")
	if i < 0 && strings.HasSuffix(s, ":") {
		i = len(s) - 1
	}
	if i <= 0 {
		return "", "", fmt.Errorf("line %d: want key: value, got %q", l.num, s)
	}
	key = strings.TrimRight(s[:i], " ")
	if strings.ContainsAny(key, "[]{},") {
		return "", "", fmt.Errorf("line %d: want key: value, got %q", l.num, s)
	}
	return key, strings.TrimLeft(s[i+1:], " "), nil
}

// value parses what follows "key:" or "- " on line l: a value on the line,
// or a block on the lines below. inMap allows a sequence at the key's own
// indentation ("key:" then "- a" lined up with it).
func (p *yamlParser) value(l yamlLine, rest string, indent, depth int, inMap bool) (*fsNode, error) {
	var tag string
	if strings.HasPrefix(rest, "!!") {
		tag, rest, _ = strings.Cut(rest[2:], " ")
		rest = strings.TrimLeft(rest, " ")
		if tag == "" {
			return nil, fmt.Errorf("line %d: empty tag", l.num)
		}
	}
	if rest == "" {
		if p.i < len(p.lines) {
			next := p.lines[p.i]
			if next.indent > indent || inMap && next.indent == indent && isSeqItem(next.text) {
				v, err := p.block(next.indent, depth+1)
				if err != nil {
					return nil, err
				}
				v.tag, v.line = tag, l.num // errors name the key's line
				return v, nil
			}
		}
		return &fsNode{kind: fsScalar, line: l.num, tag: tag}, nil
	}
	switch rest[0] {
	case '[', '{':
		v, err := p.flow(l, rest, indent, depth)
		if err != nil {
			return nil, err
		}
		v.tag = tag
		return v, nil
	case '"', '\'':
		s, n, err := yamlQuoted(rest)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", l.num, err)
		}
		if strings.TrimSpace(rest[n:]) != "" {
			return nil, fmt.Errorf("line %d: text after a quoted string", l.num)
		}
		return &fsNode{kind: fsScalar, line: l.num, tag: tag, text: s, quoted: true}, nil
	case '|', '>':
		return nil, fmt.Errorf("line %d: block scalars (| and >) are not FileStorage's", l.num)
	case '&', '*':
		return nil, fmt.Errorf("line %d: anchors and aliases are not FileStorage's", l.num)
	case '!':
		return nil, fmt.Errorf("line %d: tag %q: FileStorage's tags start with !!", l.num, rest)
	}
	if hasYAMLKey(rest) {
		return nil, fmt.Errorf("line %d: a map cannot start on its key's line: %q", l.num, rest)
	}
	return &fsNode{kind: fsScalar, line: l.num, tag: tag, text: rest}, nil
}

// flow parses a flow collection that starts with rest on line l and may
// go on over the lines below, indented further than its key, until its
// brackets close.
func (p *yamlParser) flow(l yamlLine, rest string, indent, depth int) (*fsNode, error) {
	f := flowScanner{lines: []int{l.num}, starts: []int{0}}
	var src strings.Builder
	src.WriteString(rest)
	var b bracketCount
	chunk := rest
	for {
		if err := b.scan(chunk); err != nil {
			return nil, fmt.Errorf("line %d: %w", f.lines[len(f.lines)-1], err)
		}
		if b.open == 0 {
			break
		}
		if p.i >= len(p.lines) || p.lines[p.i].indent <= indent {
			return nil, fmt.Errorf("line %d: unclosed %c", l.num, rest[0])
		}
		next := p.lines[p.i]
		p.i++
		src.WriteByte('\n')
		f.starts = append(f.starts, src.Len())
		f.lines = append(f.lines, next.num)
		src.WriteString(next.text)
		chunk = next.text
	}
	f.src = src.String()
	v, err := f.node(depth)
	if err != nil {
		return nil, err
	}
	f.space()
	if f.pos != len(f.src) {
		return nil, fmt.Errorf("line %d: text after the closing bracket", f.line())
	}
	return v, nil
}

// bracketCount follows a flow collection line by line, so that joining
// its lines stays linear in their number.
type bracketCount struct{ open int }

// scan counts the brackets of one line. Quoted strings do not run over
// lines in FileStorage's files, so a line ends outside quotes.
func (b *bracketCount) scan(s string) error {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == '"' && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			b.open++
		case c == ']' || c == '}':
			b.open--
			if b.open < 0 {
				return fmt.Errorf("unmatched %c", c)
			}
			if b.open == 0 && strings.TrimSpace(s[i+1:]) != "" {
				return errors.New("text after the closing bracket")
			}
		}
	}
	if quote != 0 {
		return errors.New("unterminated quoted string")
	}
	return nil
}

// flowScanner reads a flow collection, joined from its lines.
type flowScanner struct {
	src    string
	pos    int
	starts []int // where each joined line starts in src
	lines  []int // and its number in the file
}

func (f *flowScanner) line() int {
	// The last line starting at or before pos.
	i := sort.SearchInts(f.starts, f.pos+1) - 1
	return f.lines[max(i, 0)]
}

func (f *flowScanner) space() {
	for f.pos < len(f.src) && strings.IndexByte(" \t\n", f.src[f.pos]) >= 0 {
		f.pos++
	}
}

func (f *flowScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: "+format, append([]any{f.line()}, args...)...)
}

func (f *flowScanner) node(depth int) (*fsNode, error) {
	if depth > maxDepth {
		return nil, f.errorf("nested deeper than %d", maxDepth)
	}
	f.space()
	if f.pos >= len(f.src) {
		return nil, f.errorf("missing value")
	}
	line := f.line()
	switch c := f.src[f.pos]; c {
	case '[':
		n := &fsNode{kind: fsSeq, line: line}
		f.pos++
		for {
			f.space()
			if f.pos < len(f.src) && f.src[f.pos] == ']' {
				f.pos++
				return n, nil
			}
			v, err := f.node(depth + 1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, v)
			if err := f.separator(']'); err != nil {
				return nil, err
			}
		}
	case '{':
		n := &fsNode{kind: fsMap, line: line}
		f.pos++
		for {
			f.space()
			if f.pos < len(f.src) && f.src[f.pos] == '}' {
				f.pos++
				return n, nil
			}
			key, err := f.key()
			if err != nil {
				return nil, err
			}
			v, err := f.node(depth + 1)
			if err != nil {
				return nil, err
			}
			if err := n.put(key, v); err != nil {
				return nil, f.errorf("%v", err)
			}
			if err := f.separator('}'); err != nil {
				return nil, err
			}
		}
	case '"', '\'':
		s, n, err := yamlQuoted(f.src[f.pos:])
		if err != nil {
			return nil, f.errorf("%v", err)
		}
		f.pos += n
		return &fsNode{kind: fsScalar, line: line, text: s, quoted: true}, nil
	case ',', ']', '}', ':':
		return nil, f.errorf("missing value before %q", c)
	case '!', '&', '*', '|', '>':
		return nil, f.errorf("%q inside a flow collection is not FileStorage's", c)
	}
	end := f.pos
	for end < len(f.src) && strings.IndexByte(",]}\n", f.src[end]) < 0 {
		end++
	}
	text := strings.TrimRight(f.src[f.pos:end], " \t")
	if end < len(f.src) && f.src[end] == '\n' {
		// A plain value goes on to the next line only if a separator
		// follows it there; two values need a comma between them.
		save := f.pos
		f.pos = end
		f.space()
		if f.pos < len(f.src) && strings.IndexByte(",]}", f.src[f.pos]) < 0 {
			return nil, f.errorf("missing ',' after %q", text)
		}
		f.pos = save
	}
	f.pos = end
	return &fsNode{kind: fsScalar, line: line, text: text}, nil
}

// separator reads the ',' between items or leaves the closing bracket.
func (f *flowScanner) separator(closing byte) error {
	f.space()
	if f.pos >= len(f.src) {
		return f.errorf("unclosed collection")
	}
	switch f.src[f.pos] {
	case ',':
		f.pos++
		return nil
	case closing:
		return nil
	}
	return f.errorf("want ',' or %q, got %q", closing, f.src[f.pos])
}

// key reads a flow map's "key:".
func (f *flowScanner) key() (string, error) {
	var key string
	if c := f.src[f.pos]; c == '"' || c == '\'' {
		s, n, err := yamlQuoted(f.src[f.pos:])
		if err != nil {
			return "", f.errorf("%v", err)
		}
		key = s
		f.pos += n
		f.space()
	} else {
		end := f.pos
		for end < len(f.src) && strings.IndexByte(":,[]{}\n", f.src[end]) < 0 {
			end++
		}
		key = strings.TrimRight(f.src[f.pos:end], " ")
		f.pos = end
	}
	if key == "" || f.pos >= len(f.src) || f.src[f.pos] != ':' {
		return "", f.errorf("want key: value in a flow map")
	}
	f.pos++
	return key, nil
}

// yamlQuoted reads the quoted string s starts with and returns it and its
// length in s: "..." with backslash escapes, or '...' with ” for a quote.
func yamlQuoted(s string) (string, int, error) {
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == q && q == '\'' && i+1 < len(s) && s[i+1] == '\'':
			b.WriteByte('\'')
			i++
		case c == q:
			return b.String(), i + 1, nil
		case c == '\n':
			return "", 0, errors.New("quoted string runs over a line")
		case c == '\\' && q == '"':
			if i+1 >= len(s) {
				return "", 0, errors.New("unterminated quoted string")
			}
			i++
			switch e := s[i]; e {
			case '"', '\\', '/', '\'':
				b.WriteByte(e)
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case '0':
				b.WriteByte(0)
			case 'x', 'u':
				size := 2
				if e == 'u' {
					size = 4
				}
				if i+size >= len(s) {
					return "", 0, fmt.Errorf("short \\%c escape", e)
				}
				r, err := strconv.ParseUint(s[i+1:i+1+size], 16, 32)
				if err != nil {
					return "", 0, fmt.Errorf("bad \\%c escape", e)
				}
				b.WriteRune(rune(r))
				i += size
			default:
				return "", 0, fmt.Errorf("unknown escape \\%c", e)
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", 0, errors.New("unterminated quoted string")
}
