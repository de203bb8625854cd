package overlay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
)

// Encoding is the encoding of frame messages a client receives. Hello and
// replies to control messages are always JSON text.
type Encoding uint8

// Encodings. The zero Encoding means "not given": a new client gets JSON and
// a control message without "enc" keeps the client's encoding.
const (
	EncodingJSON Encoding = iota + 1
	EncodingBinary
)

func (e Encoding) String() string {
	switch e {
	case EncodingJSON:
		return "json"
	case EncodingBinary:
		return "binary"
	case 0:
		return ""
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// ParseEncoding returns the Encoding called s ("json" or "binary").
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "json":
		return EncodingJSON, nil
	case "binary":
		return EncodingBinary, nil
	}
	return 0, fmt.Errorf("unknown encoding %q (want \"json\" or \"binary\")", s)
}

// Control message types.
const (
	ControlSubscribe = "subscribe"
	ControlStats     = "stats"
)

// Limits on a control message's content.
const (
	// MaxFilterAthletes is the longest athlete list a subscription may name.
	MaxFilterAthletes = 64
)

// Control is a message from a client to the hub.
//
// A "subscribe" message replaces the client's filter: Athletes lists the
// athlete IDs to keep (empty = all), Camera the one camera whose View is
// kept in each athlete (nil = all cameras). Enc, when given, switches the
// encoding of the frames that follow. A "stats" message asks for a "stats"
// reply with the client's counters.
type Control struct {
	Type     string
	Athletes []int
	Camera   *int
	Enc      Encoding
}

type jsonControl struct {
	Type     string  `json:"type"`
	Athletes []int   `json:"athletes"`
	Camera   *int    `json:"camera"`
	Enc      *string `json:"enc"`
}

// ErrBadControl is wrapped by every error ParseControl returns.
var ErrBadControl = errors.New("bad control message")

// ParseControl parses a control message (a JSON object, see
// docs/overlay-feed.md). It rejects unknown types and fields, trailing data,
// negative camera indices, more than MaxFilterAthletes athletes and unknown
// encodings, with an error wrapping ErrBadControl. Whether a camera exists is
// checked by the hub, which knows the rig.
func ParseControl(data []byte) (Control, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var jc jsonControl
	if err := dec.Decode(&jc); err != nil {
		return Control{}, fmt.Errorf("%w: %v", ErrBadControl, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Control{}, fmt.Errorf("%w: data after the JSON object", ErrBadControl)
	}
	c := Control{Type: jc.Type, Athletes: jc.Athletes, Camera: jc.Camera}
	switch jc.Type {
	case ControlSubscribe:
	case ControlStats:
		if jc.Athletes != nil || jc.Camera != nil || jc.Enc != nil {
			return Control{}, fmt.Errorf("%w: a \"stats\" message takes no fields", ErrBadControl)
		}
		return c, nil
	case "":
		return Control{}, fmt.Errorf("%w: no \"type\"", ErrBadControl)
	default:
		return Control{}, fmt.Errorf("%w: unknown type %q", ErrBadControl, jc.Type)
	}
	if jc.Enc != nil {
		e, err := ParseEncoding(*jc.Enc)
		if err != nil {
			return Control{}, fmt.Errorf("%w: enc: %v", ErrBadControl, err)
		}
		c.Enc = e
	}
	if err := c.check(); err != nil {
		return Control{}, err
	}
	return c, nil
}

// check validates the fields of a subscribe message.
func (c *Control) check() error {
	if len(c.Athletes) > MaxFilterAthletes {
		return fmt.Errorf("%w: %d athletes, at most %d", ErrBadControl, len(c.Athletes), MaxFilterAthletes)
	}
	if c.Camera != nil && *c.Camera < 0 {
		return fmt.Errorf("%w: camera %d is negative", ErrBadControl, *c.Camera)
	}
	if c.Enc > EncodingBinary {
		return fmt.Errorf("%w: unknown encoding %d", ErrBadControl, c.Enc)
	}
	return nil
}

// ControlFromQuery builds a subscribe Control from the query parameters of a
// connection request: enc ("json" or "binary"), athletes (comma-separated
// IDs) and camera (an index). Absent parameters leave the defaults.
func ControlFromQuery(q url.Values) (Control, error) {
	c := Control{Type: ControlSubscribe}
	if s := q.Get("enc"); s != "" {
		e, err := ParseEncoding(s)
		if err != nil {
			return Control{}, fmt.Errorf("%w: query enc: %v", ErrBadControl, err)
		}
		c.Enc = e
	}
	if s := q.Get("athletes"); s != "" {
		for _, f := range strings.Split(s, ",") {
			id, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				return Control{}, fmt.Errorf("%w: query athletes: %q is not an ID", ErrBadControl, f)
			}
			c.Athletes = append(c.Athletes, id)
		}
	}
	if s := q.Get("camera"); s != "" {
		cam, err := strconv.Atoi(s)
		if err != nil {
			return Control{}, fmt.Errorf("%w: query camera: %q is not an index", ErrBadControl, s)
		}
		c.Camera = &cam
	}
	if err := c.check(); err != nil {
		return Control{}, err
	}
	return c, nil
}
