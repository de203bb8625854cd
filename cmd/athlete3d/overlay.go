package main

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline"
)

// overlaySink makes the run's overlay hub and the sink that feeds it.
func (r *pipelineRun) overlaySink() (pipeline.Sink, error) {
	oc := r.cfg.Overlay
	hub, err := overlay.NewHub(overlay.HubConfig{Tokens: oc.Tokens, Origins: oc.Origins, QueueLen: oc.Queue},
		pipeline.OverlayHello(r.cams, r.set))
	if err != nil {
		return nil, fmt.Errorf("overlay: %w", err)
	}
	var lanes *pipeline.Lanes
	if oc.LaneWidth != 0 {
		lanes = &pipeline.Lanes{Lane1Y: oc.Lane1Y, Width: oc.LaneWidth, Entries: r.cfg.Athletes}
	}
	s, err := pipeline.NewOverlaySink(hub, r.cams, r.set, lanes, r.cfg.Fusion.MaxError)
	if err != nil {
		hub.Close()
		return nil, err
	}
	r.hub = hub
	r.closer = append(r.closer, hub.Close)
	return s, nil
}

// serveOverlay starts the overlay's endpoints.
func (r *pipelineRun) serveOverlay(addr string) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("overlay.listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/feed", r.hub)
	srv := &http.Server{Addr: ln.Addr().String(), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}
