// Package atomicfile writes files whole or not at all: a reader sees a
// file's old content or its complete new one, never a part. Calibrations,
// recordings' sidecars and exports go through it, so that a full disk or a
// killed process never leaves a half-written file that reads as something
// else.
package atomicfile

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Write writes a file through write so that path holds either its old
// content or the complete new one, never a part. write goes to a
// temporary file in path's directory (a rename is atomic only within one
// file system), which is synced to disk and then renamed over path, and
// the directory is synced so the rename itself survives a crash. On any error the
// temporary file is removed and path is untouched.
//
// The file keeps the permission bits of the file it replaces, or gets
// 0644. When path is a symbolic link, the file it points to is replaced
// and the link kept.
func Write(path string, write func(io.Writer) error) (err error) {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	perm := fs.FileMode(0o644)
	switch st, err := os.Stat(path); {
	case err == nil && !st.Mode().IsRegular():
		return fmt.Errorf("write %s: not a regular file", path)
	case err == nil:
		perm = st.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriter(f)
	if err := write(bw); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// CreateTemp made the file 0600; Chmod, unlike a create mode, is not
	// reduced by the umask, so the bits are exactly the old file's.
	if err := f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The new file is in place; a failed directory sync only weakens the
	// guarantee across a power cut, and some file systems refuse it.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
