package record

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/athlete3d/athlete3d/internal/testenv"
	"gonum.org/v1/gonum/spatial/r3"
)

const trcHeader = "PathFileType\t4\t(X/Y/Z)\ttest.trc\n" +
	"DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"

// trcCases feeds TestReadTRC and the seeds of FuzzReadTRC.
var trcCases = []struct {
	name string
	in   string
	err  error // nil: must read
	// want checks a successful read.
	want func(t *testing.T, got *TRC)
}{
	{
		name: "opensim",
		in: trcHeader + "100\t100\t2\t2\tmm\t100\t1\t2\n" +
			"Frame#\tTime\tA\t\t\tB\t\t\n" +
			"\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n" +
			"1\t0.01\t1\t2\t3\t4\t5\t6\n" +
			"2\t0.02\t1.5\t2.5\t3.5\t\t\t\n",
		want: func(t *testing.T, got *TRC) {
			if got.Rate != 100 || got.Units != "mm" || got.Name != "test.trc" || len(got.Frames) != 2 {
				t.Fatalf("got rate %v units %q name %q frames %d", got.Rate, got.Units, got.Name, len(got.Frames))
			}
			if p := got.Frames[0].Points[1]; p != (r3.Vec{X: 4, Y: 5, Z: 6}) {
				t.Errorf("frame 1 B: got %v, want (4,5,6)", p)
			}
			if p := got.Frames[1].Points[1]; !Missing(p) {
				t.Errorf("frame 2 B: got %v, want missing", p)
			}
			if got.Marker("B") != 1 || got.Marker("C") != -1 {
				t.Errorf("Marker: got B %d C %d, want 1 -1", got.Marker("B"), got.Marker("C"))
			}
		},
	},
	{
		name: "pose2sim blank line nan crlf no final newline",
		in: "PathFileType  4\t(X/Y/Z) D:\\x\\y\r\n" +
			"DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\r\n" +
			"60.0\t60.0\t2\t1\tm\t60.0\t0\t2\r\n" +
			"Frame#\tTime\tRHip\t\t\r\n" +
			"\t\tX1\tY1\tZ1\r\n" +
			"\r\n" +
			"1\t0.0166667\t0.1\tNaN\t0.3\r\n" +
			"2.0\t0.0333333\tnan\tnan\tnan",
		want: func(t *testing.T, got *TRC) {
			if len(got.Frames) != 2 || got.Frames[1].Number != 2 || got.OrigStartFrame != 0 {
				t.Fatalf("got %d frames, frame 2 number %d, start %d", len(got.Frames), got.Frames[1].Number, got.OrigStartFrame)
			}
			p := got.Frames[0].Points[0]
			if p.X != 0.1 || !math.IsNaN(p.Y) || p.Z != 0.3 {
				t.Errorf("frame 1: got %v, want (0.1 NaN 0.3)", p)
			}
			if !Missing(got.Frames[1].Points[0]) {
				t.Errorf("frame 2: got %v, want missing", got.Frames[1].Points[0])
			}
		},
	},
	{
		name: "space separated short row trailing tab",
		in: "PathFileType 4 (X/Y/Z) s.trc\n" +
			"DataRate CameraRate NumFrames NumMarkers Units\n" +
			"50 50 2 2 cm\n" +
			"Frame#\tTime\tLeft Knee\t\t\tB\t\t\t\n" +
			"\t\tX1\tY1\tZ1\tX2\tY2\tZ2\t\n" +
			"1 0 1 2 3 4 5 6\n" +
			"2\t0.02\t7\t8\n",
		want: func(t *testing.T, got *TRC) {
			if got.Markers[0] != "Left Knee" || got.Units != "cm" {
				t.Fatalf("got markers %q units %q", got.Markers, got.Units)
			}
			if p := got.Frames[1].Points[0]; p.X != 7 || p.Y != 8 || !math.IsNaN(p.Z) {
				t.Errorf("frame 2 A: got %v, want (7 8 NaN)", p)
			}
			if !Missing(got.Frames[1].Points[1]) {
				t.Errorf("frame 2 B: got %v, want missing", got.Frames[1].Points[1])
			}
		},
	},
	{
		name: "no markers no frames",
		in:   trcHeader + "30\t30\t0\t0\tm\t30\t1\t0\nFrame#\tTime\n\n",
		want: func(t *testing.T, got *TRC) {
			if len(got.Markers) != 0 || len(got.Frames) != 0 {
				t.Errorf("got %d markers %d frames, want none", len(got.Markers), len(got.Frames))
			}
		},
	},
	{name: "empty", in: "", err: ErrHeader},
	{name: "not trc", in: "hello\tworld\n", err: ErrHeader},
	{name: "truncated header", in: trcHeader + "100\t100\t1\t1\tmm\n", err: ErrHeader},
	{name: "zero rate", in: trcHeader + "0\t0\t1\t1\tmm\t0\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n", err: ErrHeader},
	{name: "bad marker count", in: trcHeader + "100\t100\t1\t-1\tmm\t100\t1\t1\n", err: ErrHeader},
	{name: "no num markers", in: "PathFileType\t4\n" + "DataRate\n100\n", err: ErrHeader},
	{name: "names mismatch", in: trcHeader + "100\t100\t1\t2\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n", err: ErrHeader},
	{name: "no frame column", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nTime\tA\n\t\tX1\tY1\tZ1\n", err: ErrHeader},
	{name: "no coordinate line", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n1\t0\t1\t2\t3\n", err: ErrHeader},
	{name: "bad number", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\t0\t1\tx\t3\n", err: ErrRow},
	{name: "infinite", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\t0\t1\tInf\t3\n", err: ErrRow},
	{name: "bad frame", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1.5\t0\t1\t2\t3\n", err: ErrRow},
	{name: "bad time", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\tNaN\t1\t2\t3\n", err: ErrRow},
	{name: "only frame", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\n", err: ErrRow},
	{name: "too many values", in: trcHeader + "100\t100\t1\t1\tmm\t100\t1\t1\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\t0\t1\t2\t3\t4\n", err: ErrRow},
}

func TestReadTRC(t *testing.T) {
	for _, tt := range trcCases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadTRC(strings.NewReader(tt.in))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("got error %v, want %v", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), "line ") {
					t.Errorf("error %q does not name the line", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want(t, got)
			checkRoundTrip(t, got)
		})
	}
}

func TestReadTRCErrorLine(t *testing.T) {
	in := trcHeader + "100\t100\t2\t1\tmm\t100\t1\t2\nFrame#\tTime\tA\n\t\tX1\tY1\tZ1\n1\t0\t1\t2\t3\n2\t0.01\t1\t2\tzz\n"
	_, err := ReadTRC(strings.NewReader(in))
	want := `line 7: frame 2: Z1 "zz": not a finite number: bad trc row`
	if err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
}

// checkRoundTrip writes tr, reads it back and wants the same TRC.
func checkRoundTrip(t *testing.T, tr *TRC) {
	t.Helper()
	var buf bytes.Buffer
	if err := tr.Write(&buf); err != nil {
		t.Fatalf("write: %v", err)
	}
	back, err := ReadTRC(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("read back: %v\n%s", err, clip(buf.String()))
	}
	if err := sameTRC(tr, back); err != "" {
		t.Fatalf("round trip: %s", err)
	}
}

// sameTRC reports the first difference between a and b, where NaN equals
// NaN and a zero CameraRate, OrigRate or OrigNumFrames or an empty Units
// stands for the default Write gives it.
func sameTRC(a, b *TRC) string {
	def := func(v, d float64) float64 {
		if v == 0 {
			return d
		}
		return v
	}
	units := func(u string) string {
		if u == "" {
			return "m"
		}
		return u
	}
	nf := func(t *TRC) int {
		if t.OrigNumFrames == 0 {
			return len(t.Frames)
		}
		return t.OrigNumFrames
	}
	switch {
	case a.Rate != b.Rate, def(a.CameraRate, a.Rate) != def(b.CameraRate, b.Rate), def(a.OrigRate, a.Rate) != def(b.OrigRate, b.Rate):
		return "rates differ"
	case units(a.Units) != units(b.Units), a.Name != b.Name, a.OrigStartFrame != b.OrigStartFrame, nf(a) != nf(b):
		return "header differs"
	case strings.Join(a.Markers, "\n") != strings.Join(b.Markers, "\n"):
		return "markers differ"
	case len(a.Frames) != len(b.Frames):
		return "frame counts differ"
	}
	same := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	for i, fa := range a.Frames {
		fb := b.Frames[i]
		if fa.Number != fb.Number || fa.Time != fb.Time || len(fa.Points) != len(fb.Points) {
			return fmt.Sprintf("frame %d (index %d): number, time or size", fb.Number, i)
		}
		for j, p := range fa.Points {
			q := fb.Points[j]
			if !same(p.X, q.X) || !same(p.Y, q.Y) || !same(p.Z, q.Z) {
				return fmt.Sprintf("frame %d (index %d): point %d: got %v, want %v", fb.Number, i, j, q, p)
			}
		}
	}
	return ""
}

func TestWriteTRC(t *testing.T) {
	nan := math.NaN()
	good := func() *TRC {
		return &TRC{Rate: 60, Markers: []string{"LKnee", "RKnee"}, Frames: []TRCFrame{
			{Number: 1, Time: 0, Points: []r3.Vec{{X: 1e-9, Y: 0.1, Z: 123456.789}, {X: nan, Y: nan, Z: nan}}},
			{Number: 2, Time: 1.0 / 60, Points: []r3.Vec{{X: -0.5, Y: 1e20, Z: 0}, {X: 1, Y: 2, Z: 3}}},
		}}
	}
	for _, tt := range []struct {
		name string
		edit func(*TRC)
		err  error
	}{
		{name: "defaults", edit: func(*TRC) {}},
		{name: "zero rate", edit: func(tr *TRC) { tr.Rate = 0 }, err: ErrInvalid},
		{name: "nan rate", edit: func(tr *TRC) { tr.Rate = nan }, err: ErrInvalid},
		{name: "tab in name", edit: func(tr *TRC) { tr.Markers[0] = "L\tKnee" }, err: ErrInvalid},
		{name: "empty name", edit: func(tr *TRC) { tr.Markers[0] = "" }, err: ErrInvalid},
		{name: "short frame", edit: func(tr *TRC) { tr.Frames[1].Points = tr.Frames[1].Points[:1] }, err: ErrInvalid},
		{name: "infinite point", edit: func(tr *TRC) { tr.Frames[1].Points[0].Y = math.Inf(1) }, err: ErrInvalid},
		{name: "nan time", edit: func(tr *TRC) { tr.Frames[0].Time = nan }, err: ErrInvalid},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr := good()
			tt.edit(tr)
			var buf bytes.Buffer
			err := tr.Write(&buf)
			if !errors.Is(err, tt.err) {
				t.Fatalf("got error %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			want := "60\t60\t2\t2\tm\t60\t0\t2\n"
			if lines := strings.SplitAfter(buf.String(), "\n"); lines[2] != want {
				t.Errorf("header values: got %q, want %q", lines[2], want)
			}
			checkRoundTrip(t, tr)
		})
	}
}

func TestMetres(t *testing.T) {
	for _, tt := range []struct {
		units string
		want  float64
		err   error
	}{
		{"m", 1, nil}, {"", 1, nil}, {"mm", 0.001, nil}, {"cm", 0.01, nil}, {"in", 0, ErrUnits},
	} {
		got, err := (&TRC{Units: tt.units}).Metres()
		if got != tt.want || !errors.Is(err, tt.err) {
			t.Errorf("units %q: got %v, %v, want %v, %v", tt.units, got, err, tt.want, tt.err)
		}
	}
}

// TestReadTRCShared reads the real files of ../shared/data: the sprint
// mocap (OpenSim TRC, mm) and Pose2Sim's triangulations (m, some with a
// blank line and no final line break).
func TestReadTRCShared(t *testing.T) {
	for _, tt := range []struct {
		file           string
		frames, marker int
		units          string
		rate           float64
		first          r3.Vec // first marker of the first frame
	}{
		{"sprint-mocap/run0350cms.trc", 836, 53, "mm", 250, r3.Vec{X: -5478.690918, Y: 1588.100952, Z: 209.901779}},
		{"sprint-mocap/run0500cms.trc", 569, 53, "mm", 250, r3.Vec{X: -5545.333496, Y: 1577.616455, Z: 126.293869}},
		{"sprint-mocap/run0900cms.trc", 323, 53, "mm", 250, r3.Vec{X: -5934.799805, Y: 1492.694214, Z: 160.761810}},
		{"sprint-mocap/static.trc", 646, 57, "mm", 250, r3.Vec{X: -679.511108, Y: 1568.702148, Z: 311.232605}},
		{"pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial/pose-3d/S00_P00_T01_BalancingTrial_0-100.trc", 100, 21, "m", 60,
			r3.Vec{X: -0.06497214796810755, Y: 0.9015045550714222, Z: -1.4005886926185436}},
		{"pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T01_BalancingTrial/pose-3d/S00_P00_T01_BalancingTrial_0-100_filt_butterworth_LSTM.trc", 100, 64, "m", 60,
			r3.Vec{X: -0.0649978, Y: 0.8690172, Z: -1.4005736}},
		{"pose2sim-s00/S00_P00_SingleParticipant/S00_P00_T00_StaticTrial/pose-3d/S00_P00_T00_StaticTrial_0-12_filt_butterworth_LSTM.trc", 12, 64, "m", 60, r3.Vec{}},
	} {
		t.Run(filepath.Base(tt.file), func(t *testing.T) {
			tr, err := ReadTRCFile(testenv.SharedData(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Frames) != tt.frames || len(tr.Markers) != tt.marker || tr.Units != tt.units || tr.Rate != tt.rate {
				t.Fatalf("got %d frames %d markers %q %v Hz, want %d %d %q %v",
					len(tr.Frames), len(tr.Markers), tr.Units, tr.Rate, tt.frames, tt.marker, tt.units, tt.rate)
			}
			if tt.first != (r3.Vec{}) && tr.Frames[0].Points[0] != tt.first {
				t.Errorf("first point: got %v, want %v", tr.Frames[0].Points[0], tt.first)
			}
			for i, f := range tr.Frames {
				for j, p := range f.Points {
					if Missing(p) {
						t.Fatalf("frame %d marker %s missing; the file has no gaps", i, tr.Markers[j])
					}
				}
			}
			checkRoundTrip(t, tr)
		})
	}
}

// FuzzReadTRC: no panic on any input, and whatever reads writes back to a
// file that reads the same and writes the same bytes again.
func FuzzReadTRC(f *testing.F) {
	for _, tt := range trcCases {
		f.Add([]byte(tt.in))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		orig := bytes.Clone(in)
		tr, err := ReadTRC(bytes.NewReader(in))
		if !bytes.Equal(in, orig) {
			t.Fatal("ReadTRC changed its input")
		}
		if err != nil {
			return
		}
		var w1, w2 bytes.Buffer
		if err := tr.Write(&w1); err != nil {
			t.Fatalf("write what was read: %v", err)
		}
		back, err := ReadTRC(bytes.NewReader(w1.Bytes()))
		if err != nil {
			t.Fatalf("read what was written: %v\n%q", err, w1.String())
		}
		if d := sameTRC(tr, back); d != "" {
			t.Fatalf("round trip: %s\n%q", d, w1.String())
		}
		if err := back.Write(&w2); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(w1.Bytes(), w2.Bytes()) {
			t.Fatalf("second write differs:\n%q\n%q", w1.String(), w2.String())
		}
	})
}

func BenchmarkReadTRC(b *testing.B) {
	var buf bytes.Buffer
	tr := &TRC{Rate: 250, Units: "mm"}
	for i := range 53 {
		tr.Markers = append(tr.Markers, fmt.Sprintf("M%d", i))
	}
	for i := range 500 {
		fr := TRCFrame{Number: i + 1, Time: float64(i+1) / 250}
		for j := range 53 {
			fr.Points = append(fr.Points, r3.Vec{X: -5478.690918 + float64(i), Y: 1588.100952 + float64(j), Z: 209.901779})
		}
		tr.Frames = append(tr.Frames, fr)
	}
	if err := tr.Write(&buf); err != nil {
		b.Fatal(err)
	}
	in := buf.Bytes()
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		t, err := ReadTRC(bytes.NewReader(in))
		if err != nil {
			b.Fatal(err)
		}
		sinkTRC = t
	}
}

var sinkTRC *TRC
