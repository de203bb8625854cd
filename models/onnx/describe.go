package onnx

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Description is a summary of a model for people and scripts: what `athlete3d
// models info` prints. It marshals to JSON with the tags shown.
type Description struct {
	IRVersion       int64        `json:"ir_version"`
	ProducerName    string       `json:"producer_name,omitempty"`
	ProducerVersion string       `json:"producer_version,omitempty"`
	Opsets          []Opset      `json:"opsets"`
	Inputs          []TensorInfo `json:"inputs"`
	Outputs         []TensorInfo `json:"outputs"`
	Nodes           int          `json:"nodes"`
	Initializers    int          `json:"initializers"`
	Parameters      int64        `json:"parameters"`
	Ops             []OpCount    `json:"ops"`
	Metadata        []StringPair `json:"metadata,omitempty"`
	Subgraphs       int          `json:"subgraphs,omitempty"`
}

// TensorInfo describes one graph input or output.
type TensorInfo struct {
	Name string `json:"name"`
	// Type is the element type ("float32", "int32", ...), or the kind of a
	// non-tensor value ("sequence", ...).
	Type string `json:"type"`
	// Shape holds one entry per dimension: the size, the symbolic name
	// ("batch"), or "?". It is nil when even the rank is unknown.
	Shape []string `json:"shape"`
}

// String returns "name type[d0,d1,...]".
func (t TensorInfo) String() string {
	if t.Shape == nil {
		return fmt.Sprintf("%s %s[unknown shape]", t.Name, t.Type)
	}
	return fmt.Sprintf("%s %s[%s]", t.Name, t.Type, strings.Join(t.Shape, ","))
}

// OpCount is the number of nodes of one operator type.
type OpCount struct {
	Op     string `json:"op"`
	Domain string `json:"domain,omitempty"`
	Count  int    `json:"count"`
}

// Describe summarises m: inputs (initializers listed as graph inputs are left
// out), outputs, operator sets, producer and a histogram of operator types,
// most frequent first. Nodes of subgraphs are counted too.
func Describe(m *Model) Description {
	d := Description{
		IRVersion:       m.IRVersion,
		ProducerName:    m.ProducerName,
		ProducerVersion: m.ProducerVersion,
		Opsets:          append([]Opset{}, m.Opsets...),
		Inputs:          []TensorInfo{},
		Outputs:         []TensorInfo{},
		Ops:             []OpCount{},
		Metadata:        m.Metadata,
	}
	g := m.Graph
	if g == nil {
		return d
	}
	inits := make(map[string]bool, len(g.Initializers))
	for _, t := range g.Initializers {
		inits[t.Name] = true
		if n, err := t.NumElements(); err == nil {
			d.Parameters += n
		}
	}
	d.Initializers = len(g.Initializers)
	for _, v := range g.Inputs {
		if !inits[v.Name] {
			d.Inputs = append(d.Inputs, tensorInfo(v))
		}
	}
	for _, v := range g.Outputs {
		d.Outputs = append(d.Outputs, tensorInfo(v))
	}
	counts := map[OpCount]int{}
	var count func(g *Graph, depth int)
	count = func(g *Graph, depth int) {
		for _, n := range g.Nodes {
			d.Nodes++
			counts[OpCount{Op: n.OpType, Domain: n.Domain}]++
			if depth >= maxDepth {
				continue
			}
			for _, a := range n.Attrs {
				if a.G != nil {
					d.Subgraphs++
					count(a.G, depth+1)
				}
				for _, sg := range a.Graphs {
					d.Subgraphs++
					count(sg, depth+1)
				}
			}
		}
	}
	count(g, 0)
	for k, c := range counts {
		k.Count = c
		d.Ops = append(d.Ops, k)
	}
	sort.Slice(d.Ops, func(i, j int) bool {
		a, b := d.Ops[i], d.Ops[j]
		if a.Count != b.Count {
			return a.Count > b.Count
		}
		if a.Domain != b.Domain {
			return a.Domain < b.Domain
		}
		return a.Op < b.Op
	})
	return d
}

func tensorInfo(v *ValueInfo) TensorInfo {
	t := TensorInfo{Name: v.Name, Type: v.ElemType.String()}
	switch v.Kind {
	case "tensor", "sparse_tensor":
	case "":
		t.Type = "unknown"
	default:
		t.Type = v.Kind
	}
	if v.Shape != nil {
		t.Shape = make([]string, len(v.Shape))
		for i, dim := range v.Shape {
			t.Shape[i] = dim.String()
		}
	}
	return t
}

// WriteText writes d as aligned plain text.
func (d Description) WriteText(w io.Writer) error {
	var b strings.Builder
	producer := strings.TrimSpace(d.ProducerName + " " + d.ProducerVersion)
	if producer == "" {
		producer = "unknown"
	}
	fmt.Fprintf(&b, "producer:     %s\n", producer)
	fmt.Fprintf(&b, "ir version:   %d\n", d.IRVersion)
	opsets := make([]string, len(d.Opsets))
	for i, o := range d.Opsets {
		dom := o.Domain
		if dom == "" {
			dom = "ai.onnx"
		}
		opsets[i] = fmt.Sprintf("%s %d", dom, o.Version)
	}
	fmt.Fprintf(&b, "opsets:       %s\n", strings.Join(opsets, ", "))
	fmt.Fprintf(&b, "nodes:        %d\n", d.Nodes)
	fmt.Fprintf(&b, "initializers: %d (%d parameters)\n", d.Initializers, d.Parameters)
	fmt.Fprintf(&b, "inputs:\n")
	for _, t := range d.Inputs {
		fmt.Fprintf(&b, "  %s\n", t)
	}
	fmt.Fprintf(&b, "outputs:\n")
	for _, t := range d.Outputs {
		fmt.Fprintf(&b, "  %s\n", t)
	}
	fmt.Fprintf(&b, "ops:\n")
	width := 0
	for _, o := range d.Ops {
		width = max(width, len(opName(o)))
	}
	for _, o := range d.Ops {
		fmt.Fprintf(&b, "  %-*s %d\n", width, opName(o), o.Count)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func opName(o OpCount) string {
	if o.Domain == "" || o.Domain == "ai.onnx" {
		return o.Op
	}
	return o.Domain + "." + o.Op
}

// String returns the text form of d.
func (d Description) String() string {
	var b strings.Builder
	_ = d.WriteText(&b)
	return b.String()
}

// WriteJSON writes d as indented JSON followed by a newline.
func (d Description) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(d)
}
