package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = dispatch(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDispatch(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.jpg")
	if err := os.WriteFile(junk, []byte("not a JPEG at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	junkVideo := filepath.Join(dir, "junk.mp4")
	if err := os.WriteFile(junkVideo, bytes.Repeat([]byte{0x42}, 4096), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout string // substring expected on stdout
		stderr string // substring expected on stderr
	}{
		{"no verb", nil, 2, "", "Usage:"},
		{"help", []string{"help"}, 0, "The commands are:", ""},
		{"unknown verb", []string{"fly"}, 2, "", "athlete3d fly: unknown command"},
		{"pose without input", []string{"pose"}, 2, "", "give exactly one of --image and --video"},
		{"pose with both inputs", []string{"pose", "--image", "a", "--video", "b"}, 2, "", "exactly one"},
		{"pose bad flag", []string{"pose", "--frobnicate"}, 2, "", "flag provided but not defined"},
		{"pose missing image", []string{"pose", "--image", filepath.Join(dir, "absent.jpg")}, 1, "", "athlete3d: image stat"},
		{"pose corrupt image", []string{"pose", "--image", junk}, 1, "", "not a readable image"},
		{"pose missing video", []string{"pose", "--video", filepath.Join(dir, "absent.mp4")}, 1, "", "no such file"},
		{"pose corrupt video", []string{"pose", "--video", junkVideo}, 1, "", junkVideo},
		{"models without subcommand", []string{"models"}, 2, "", "missing subcommand"},
		{"models convert one arg", []string{"models", "convert", "x.json"}, 2, "", "convert takes"},
		{"models info missing file", []string{"models", "info", filepath.Join(dir, "absent.onnx")}, 1, "", "absent.onnx"},
		{"models info not onnx", []string{"models", "info", junk}, 1, "", "junk.jpg"},
		{"models convert missing", []string{"models", "convert", filepath.Join(dir, "absent.json"), filepath.Join(dir, "out.onnx")}, 1, "", "absent.json"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := run(tt.args...)
			if code != tt.code {
				t.Errorf("exit code: got %d, want %d (stderr %q)", code, tt.code, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) {
				t.Errorf("stdout: got %q, want it to contain %q", stdout, tt.stdout)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr: got %q, want it to contain %q", stderr, tt.stderr)
			}
		})
	}
}
