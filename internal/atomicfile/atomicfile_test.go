package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// dirNames returns the names in dir.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWriteNew(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "calib.toml")
	if err := Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "new" {
		t.Fatalf("got %q, want %q", got, "new")
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Fatalf("got mode %v, want 0644", st.Mode().Perm())
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("got %v in the directory, want only calib.toml", names)
	}
}

func TestWriteKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "calib.toml")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := Write(path, writeString("new")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := readString(t, path); got != "new" || st.Mode().Perm() != 0o640 {
		t.Fatalf("got %q with mode %v, want %q with 0640", got, st.Mode().Perm(), "new")
	}
}

func TestWriteFailure(t *testing.T) {
	boom := errors.New("boom")
	for _, tt := range []struct {
		name  string
		write func(io.Writer) error
	}{
		{"fails at once", func(io.Writer) error { return boom }},
		{"fails half way", func(w io.Writer) error {
			// More than bufio's buffer, so part of it reaches the file.
			if _, err := io.WriteString(w, strings.Repeat("x", 64<<10)); err != nil {
				return err
			}
			return boom
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "calib.toml")
			if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			err := Write(path, tt.write)
			if !errors.Is(err, boom) || !strings.Contains(err.Error(), path) {
				t.Fatalf("got %v, want boom naming %s", err, path)
			}
			if got := readString(t, path); got != "old" {
				t.Fatalf("got %q, want the old content", got)
			}
			if names := dirNames(t, dir); len(names) != 1 || names[0] != "calib.toml" {
				t.Fatalf("got %v in the directory, want only calib.toml", names)
			}
		})
	}
}

func TestWriteNotAFile(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "calib.toml")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := Write(target, writeString("x")); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("got %v, want an error for a directory", err)
	}
	if err := Write(filepath.Join(dir, "missing", "calib.toml"), writeString("x")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("got %v, want ErrNotExist for a missing directory", err)
	}
	if names := dirNames(t, dir); len(names) != 1 {
		t.Fatalf("got %v in the directory, want only the directory calib.toml", names)
	}
}

func TestWriteSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.toml")
	link := filepath.Join(dir, "calib.toml")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.toml", link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := Write(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	st, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode()&fs.ModeSymlink == 0 || readString(t, real) != "new" {
		t.Fatalf("got link mode %v and target %q, want the link kept and the target replaced", st.Mode(), readString(t, real))
	}
}
