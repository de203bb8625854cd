package overlay

import (
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func intp(v int) *int { return &v }

// controlCases feed both TestParseControl and the seeds of FuzzParseControl.
var controlCases = []struct {
	name, in string
	want     Control
	err      string // substring of the error; "" = valid
}{
	{"subscribe all", `{"type":"subscribe"}`, Control{Type: "subscribe"}, ""},
	{"subscribe filter", `{"type":"subscribe","athletes":[3,1],"camera":2,"enc":"binary"}`,
		Control{Type: "subscribe", Athletes: []int{3, 1}, Camera: intp(2), Enc: EncodingBinary}, ""},
	{"json enc", `{"type":"subscribe","enc":"json"}`, Control{Type: "subscribe", Enc: EncodingJSON}, ""},
	{"stats", ` {"type":"stats"} `, Control{Type: "stats"}, ""},
	{"empty", ``, Control{}, "EOF"},
	{"not json", `subscribe`, Control{}, "invalid character"},
	{"array", `[1,2]`, Control{}, "cannot unmarshal"},
	{"no type", `{"athletes":[1]}`, Control{}, `no "type"`},
	{"unknown type", `{"type":"shutdown"}`, Control{}, `unknown type "shutdown"`},
	{"unknown field", `{"type":"subscribe","cameras":[1]}`, Control{}, `unknown field "cameras"`},
	{"bad enc", `{"type":"subscribe","enc":"xml"}`, Control{}, `unknown encoding "xml"`},
	{"negative camera", `{"type":"subscribe","camera":-1}`, Control{}, "negative"},
	{"camera string", `{"type":"subscribe","camera":"1"}`, Control{}, "cannot unmarshal"},
	{"athlete float", `{"type":"subscribe","athletes":[1.5]}`, Control{}, "cannot unmarshal"},
	{"too many athletes", `{"type":"subscribe","athletes":[` + strings.Repeat("1,", MaxFilterAthletes) + `1]}`, Control{}, "athletes, at most"},
	{"trailing", `{"type":"stats"}{"type":"stats"}`, Control{}, "data after"},
	{"stats with fields", `{"type":"stats","camera":1}`, Control{}, "takes no fields"},
	{"truncated", `{"type":"subscribe","athletes":[1,`, Control{}, "unexpected EOF"},
}

func TestParseControl(t *testing.T) {
	for _, tt := range controlCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseControl([]byte(tt.in))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.Is(err, ErrBadControl) {
					t.Fatalf("got error %v, want one wrapping ErrBadControl containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if got.Type != tt.want.Type || !slices.Equal(got.Athletes, tt.want.Athletes) || got.Enc != tt.want.Enc ||
				(got.Camera == nil) != (tt.want.Camera == nil) || (got.Camera != nil && *got.Camera != *tt.want.Camera) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParseControl(f *testing.F) {
	for _, tt := range controlCases {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseControl(data)
		if err != nil {
			if !errors.Is(err, ErrBadControl) {
				t.Fatalf("error %v does not wrap ErrBadControl", err)
			}
			return
		}
		switch c.Type {
		case ControlStats:
			if c.Athletes != nil || c.Camera != nil || c.Enc != 0 {
				t.Fatalf("stats with fields accepted: %+v", c)
			}
		case ControlSubscribe:
			if len(c.Athletes) > MaxFilterAthletes || (c.Camera != nil && *c.Camera < 0) || c.Enc > EncodingBinary {
				t.Fatalf("invalid subscribe accepted: %+v", c)
			}
		default:
			t.Fatalf("unknown type accepted: %+v", c)
		}
	})
}

func TestControlFromQuery(t *testing.T) {
	for _, tt := range []struct {
		query, err string
		want       Control
	}{
		{"", "", Control{Type: "subscribe"}},
		{"enc=binary&athletes=2,1&camera=0&token=x", "", Control{Type: "subscribe", Enc: EncodingBinary, Athletes: []int{2, 1}, Camera: intp(0)}},
		{"enc=msgpack", "unknown encoding", Control{}},
		{"athletes=1,x", `"x" is not an ID`, Control{}},
		{"camera=-2", "negative", Control{}},
		{"camera=one", "not an index", Control{}},
	} {
		q, _ := url.ParseQuery(tt.query)
		got, err := ControlFromQuery(q)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%q: got error %v, want %q", tt.query, err, tt.err)
			}
			continue
		}
		if err != nil || got.Enc != tt.want.Enc || !slices.Equal(got.Athletes, tt.want.Athletes) ||
			(got.Camera == nil) != (tt.want.Camera == nil) {
			t.Errorf("%q: got %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}
