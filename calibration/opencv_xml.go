package calibration

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ReadOpenCVXML reads an OpenCV cv::FileStorage XML file, in any of the
// layouts opencv.go lists: an <opencv_storage> root whose elements are
// maps (child elements), sequences (<_> children, or several
// space-separated values) or scalars (one value, strings in quotes), and
// whose matrices have type_id="opencv-matrix". Errors name their line.
func ReadOpenCVXML(r io.Reader) ([]Camera, Meta, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, Meta{}, err
	}
	root, err := parseXML(data)
	if err != nil {
		return nil, Meta{}, fault("", err)
	}
	return openCVCameras(root)
}

// WriteOpenCVXML writes what WriteOpenCVYAML writes, as FileStorage's XML.
func WriteOpenCVXML(w io.Writer, cams []Camera, m Meta) error {
	if err := checkWritable(cams, m); err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	bw.WriteString("<?xml version=\"1.0\"?>\n<opencv_storage>\n")
	root := openCVTree(cams, m)
	for i, k := range root.keys {
		writeXMLValue(bw, k, root.vals[i], 0)
	}
	bw.WriteString("</opencv_storage>\n")
	return bw.Flush()
}

func writeXMLValue(w *bufio.Writer, key string, n *fsNode, indent int) {
	pad := strings.Repeat(" ", indent)
	switch n.kind {
	case fsScalar:
		fmt.Fprintf(w, "%s<%s>%s</%s>\n", pad, key, xmlScalar(n), key)
	case fsSeq:
		s := make([]string, len(n.items))
		for i, it := range n.items {
			s[i] = xmlScalar(it)
		}
		fmt.Fprintf(w, "%s<%s>%s</%s>\n", pad, key, strings.Join(s, " "), key)
	case fsMap:
		if n.tag != "" {
			fmt.Fprintf(w, "%s<%s type_id=\"%s\">\n", pad, key, n.tag)
		} else {
			fmt.Fprintf(w, "%s<%s>\n", pad, key)
		}
		for i, k := range n.keys {
			writeXMLValue(w, k, n.vals[i], indent+2)
		}
		fmt.Fprintf(w, "%s</%s>\n", pad, key)
	}
}

func xmlScalar(n *fsNode) string {
	if !n.quoted {
		return n.text
	}
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(n.text))
	return `"` + b.String() + `"`
}

func parseXML(data []byte) (*fsNode, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var root *fsNode
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, xmlError(d, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := d.InputPos()
			if root != nil {
				return nil, fmt.Errorf("line %d: <%s> after </opencv_storage>", line, t.Name.Local)
			}
			if t.Name.Local != "opencv_storage" {
				return nil, fmt.Errorf("line %d: root element <%s>, want <opencv_storage>", line, t.Name.Local)
			}
			if root, err = xmlElement(d, t, 0); err != nil {
				return nil, err
			}
			if root.kind == fsScalar && root.text == "" {
				root = &fsNode{kind: fsMap, line: root.line} // an empty file
			}
			if root.kind != fsMap {
				return nil, fmt.Errorf("line %d: <opencv_storage> holds no keys", root.line)
			}
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				line, _ := d.InputPos()
				return nil, fmt.Errorf("line %d: text outside <opencv_storage>", line)
			}
		}
	}
	if root == nil {
		return nil, errors.New("no <opencv_storage> element")
	}
	return root, nil
}

func xmlError(d *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("line %d: %s", se.Line, se.Msg)
	}
	line, _ := d.InputPos()
	return fmt.Errorf("line %d: %w", line, err)
}

// xmlElement reads the element start opened: a map or sequence of child
// elements, or text holding one value (a scalar) or several (a sequence).
func xmlElement(d *xml.Decoder, start xml.StartElement, depth int) (*fsNode, error) {
	line, _ := d.InputPos()
	if depth > maxDepth {
		return nil, fmt.Errorf("line %d: nested deeper than %d", line, maxDepth)
	}
	n := &fsNode{line: line}
	for _, a := range start.Attr {
		if a.Name.Local == "type_id" {
			n.tag = a.Value
		}
	}
	// Text and child elements in document order: FileStorage writes a
	// sequence as values in text, <_> elements, or both ("1 2 <_>...</_>").
	var parts []xmlPart
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, xmlError(d, err) // "unexpected EOF" when not closed
		}
		switch t := tok.(type) {
		case xml.StartElement:
			child, err := xmlElement(d, t, depth+1)
			if err != nil {
				return nil, err
			}
			parts = append(parts, xmlPart{name: t.Name.Local, child: child})
		case xml.CharData:
			if len(parts) > 0 && parts[len(parts)-1].child == nil {
				parts[len(parts)-1].text += string(t)
			} else {
				parts = append(parts, xmlPart{text: string(t)})
			}
		case xml.EndElement:
			return xmlNode(n, parts)
		}
	}
}

// xmlPart is a run of text or a child element.
type xmlPart struct {
	text  string
	name  string
	child *fsNode
}

func xmlNode(n *fsNode, parts []xmlPart) (*fsNode, error) {
	var values []*fsNode // in order, from text and <_> children
	isMap, isSeq := false, false
	for _, p := range parts {
		switch {
		case p.child == nil:
			v, err := xmlValues(p.text)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n.line, err)
			}
			for _, x := range v {
				x.line = n.line
			}
			values = append(values, v...)
		case p.name == "_":
			isSeq = true
			values = append(values, p.child)
		default:
			isMap = true
		}
	}
	switch {
	case isMap && isSeq:
		return nil, fmt.Errorf("line %d: <_> items beside named elements", n.line)
	case isMap:
		if len(values) > 0 {
			return nil, fmt.Errorf("line %d: text beside elements", n.line)
		}
		n.kind = fsMap
		for _, p := range parts {
			if p.child == nil {
				continue
			}
			if err := n.put(p.name, p.child); err != nil {
				return nil, fmt.Errorf("line %d: %w", p.child.line, err)
			}
		}
	case isSeq || len(values) > 1:
		n.kind, n.items = fsSeq, values
	default:
		n.kind = fsScalar
		if len(values) == 1 {
			n.text, n.quoted = values[0].text, values[0].quoted
		}
	}
	return n, nil
}

// xmlValues splits an element's text into values: quoted strings (with
// the backslash escapes of YAML's) or runs of non-space characters.
func xmlValues(s string) ([]*fsNode, error) {
	var out []*fsNode
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return out, nil
		}
		if s[0] == '"' {
			v, n, err := yamlQuoted(s)
			if err != nil {
				return nil, err
			}
			out = append(out, &fsNode{text: v, quoted: true})
			s = s[n:]
			if s != "" && strings.IndexByte(" \t\r\n", s[0]) < 0 {
				return nil, errors.New("text after a quoted string")
			}
			continue
		}
		end := strings.IndexAny(s, " \t\r\n")
		if end < 0 {
			end = len(s)
		}
		out = append(out, &fsNode{text: s[:end]})
		s = s[end:]
	}
}
