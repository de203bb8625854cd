package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// tarball writes an npm-style tarball holding files under package/.
func tarball(t *testing.T, files map[string][]byte) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: "package/" + name, Mode: 0o644, Size: int64(len(data))}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "pkg.tgz")
	if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestExtract(t *testing.T) {
	model := []byte(`{"format":"graph-model"}`)
	lib := bytes.Repeat([]byte{0x7f}, 1000)
	tgz := tarball(t, map[string][]byte{"models/m.json": model, "bin/lib.so": lib, "README.md": []byte("hi")})
	for _, tt := range []struct {
		name  string
		files []File
		err   string // substring of the error; empty for success
	}{
		{"both files", []File{
			{Path: "models/m.json", Dest: "models/m.json", SHA256: sum(model)},
			{Path: "bin/lib.so", Dest: "lib/lib.so", SHA256: sum(lib)},
		}, ""},
		{"wrong checksum", []File{{Path: "bin/lib.so", Dest: "lib/lib.so", SHA256: sum(model)}}, "sha256 mismatch"},
		{"absent file", []File{{Path: "models/other.bin", Dest: "models/other.bin", SHA256: sum(lib)}}, "missing package/models/other.bin"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			err := extract(tgz, dir, tt.files, io.Discard)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				// Nothing half-written is left behind.
				left, _ := filepath.Glob(filepath.Join(dir, "*", "*"))
				if len(left) != 0 {
					t.Fatalf("left %v behind", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.files {
				if err := verify(filepath.Join(dir, f.Dest), f.SHA256); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestExtractCorrupt(t *testing.T) {
	p := filepath.Join(t.TempDir(), "bad.tgz")
	os.WriteFile(p, []byte("not gzip"), 0o644)
	err := extract(p, t.TempDir(), []File{{Path: "x", Dest: "x"}}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bad.tgz") {
		t.Fatalf("got %v, want an error naming the tarball", err)
	}
}

func TestVerify(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("abc"), 0o644)
	if err := verify(p, sum([]byte("abc"))); err != nil {
		t.Fatal(err)
	}
	if err := verify(p, sum([]byte("abd"))); !errors.Is(err, ErrChecksum) {
		t.Fatalf("got %v, want ErrChecksum", err)
	}
	if err := verify(p+"x", sum(nil)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("got %v, want ErrNotExist", err)
	}
}

func TestTarball(t *testing.T) {
	for _, tt := range []struct{ name, version, want string }{
		{"onnxruntime-node", "1.30.0", "onnxruntime-node-1.30.0.tgz"},
		{"@vladmandic/human", "3.3.6", "vladmandic-human-3.3.6.tgz"},
	} {
		if got := (Package{Name: tt.name, Version: tt.version}).Tarball(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

// TestCacheComplete checks, where setup has run, that every pinned file is in
// the cache with its checksum: what Setup promises.
func TestCacheComplete(t *testing.T) {
	for _, p := range Packages {
		for _, f := range p.Files {
			err := verify(filepath.Join(CacheDir(), f.Dest), f.SHA256)
			if errors.Is(err, os.ErrNotExist) && os.Getenv("ATHLETE3D_REQUIRE_MODELS") != "1" {
				t.Skipf("cache not set up (run `make setup`): %v", err)
			}
			if err != nil {
				t.Error(err)
			}
		}
	}
}
