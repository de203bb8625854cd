package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline"
)

// TestRunOverlay: a live virtual rig with an overlay: a client with the
// token gets the hello (the rig's cameras) and then frames of the three
// athletes in their lanes, the start list's name on lane 2; without the
// token it is refused.
func TestRunOverlay(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "run.toml")
	writeFile(t, path, `
live = true
[synthetic]
url = "synthetic://sprint?cams=4&athletes=3&loop=1"

[overlay]
listen = "127.0.0.1:0"
tokens = ["s3cret"]
lane1_y = 0
lane_width = 1.22

[[athlete]]
lane = 2
name = "Runner Two"
bib = "202"
`)
	cfg, err := pipeline.LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := buildRun(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	srv, err := r.serveOverlay(cfg.Overlay.Listen)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- r.engine.Run(ctx) }()

	url := "ws://" + srv.Addr + "/feed"
	if _, resp, err := websocket.DefaultDialer.Dial(url, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without the token: got %v, %v; want 401", resp, err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(url+"?token=s3cret", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(8 * time.Second))
	_, msg, err := conn.ReadMessage()
	if err != nil || overlay.MessageType(msg) != "hello" {
		t.Fatalf("first message %.80q, %v: want the hello", msg, err)
	}
	named, frames := false, 0
	lanes := map[string]bool{}
	for frames < 100 && !(named && len(lanes) == 3) {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		if overlay.MessageType(msg) != "frame" {
			continue
		}
		f, err := overlay.DecodeJSON(msg)
		if err != nil {
			t.Fatal(err)
		}
		frames++
		for _, a := range f.Athletes {
			if a.Lane != "" {
				lanes[a.Lane] = true
			}
			named = named || a.Lane == "2" && a.Name == "Runner Two" && a.Bib == "202"
		}
	}
	t.Logf("%d frames read; lanes %v; lane 2 named: %v", frames, lanes, named)
	if !named || len(lanes) != 3 {
		t.Errorf("after %d frames: lanes %v, lane 2 named %v; want lanes 1-3 and the start list's name", frames, lanes, named)
	}
	cancel()
	if err := <-done; err != nil && ctx.Err() == nil {
		t.Fatal(err)
	}
}
