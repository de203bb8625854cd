package main

import (
	"fmt"
	"net"
	"sync"
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
	s.Epoch = r.epoch
	r.hub, r.feed = hub, s
	r.closer = append(r.closer, hub.Close)
	return s, nil
}

// serveOverlay starts the overlay's endpoints (overlay.Server: the feed
// over WebSocket and WebRTC, the pages, the status). The returned func
// stops them.
func (r *pipelineRun) serveOverlay(addr string) (string, func(), error) {
	// On a loopback address the browser is on this machine: offer WebRTC
	// loopback candidates, which a LAN setup does without.
	host, _, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	loopback := host == "localhost" || ip != nil && ip.IsLoopback()
	h, err := overlay.NewServer(r.hub, overlay.ServerConfig{WebRTC: r.cfg.Overlay.WebRTC,
		WebRTCConfig: overlay.WebRTCConfig{ICELoopback: loopback}, Status: r.status().snapshot})
	if err != nil {
		return "", nil, fmt.Errorf("overlay: %w", err)
	}
	srv, err := listenHTTP(addr, "overlay.listen", h)
	if err != nil {
		h.Close()
		return "", nil, err
	}
	return srv.Addr, func() { srv.Close(); h.Close() }, nil
}

// runStatus gives the dashboard the run's state: the rates are over the
// time since the previous call.
type runStatus struct {
	r    *pipelineRun
	mu   sync.Mutex
	t    time.Time
	prev []int64 // frames read per camera, then the frames fused, at t
}

func (r *pipelineRun) status() *runStatus { return &runStatus{r: r} }

func (s *runStatus) snapshot() any {
	r := s.r
	es := r.engine.Stats()
	now := time.Now()
	counts := make([]int64, len(r.cams)+1)
	st := overlay.RunStatus{Cameras: make([]overlay.CameraStatus, len(r.cams))}
	for i, c := range r.cams {
		st.Cameras[i] = overlay.CameraStatus{Name: c.Name, Up: true}
	}
	if r.pose != nil {
		for i, c := range r.pose.Stats().Cameras {
			cs := &st.Cameras[i]
			cs.Up = c.Capture.Up
			cs.Dropped = uint64(c.Dropped + c.Capture.Dropped)
			if !c.Capture.Up {
				cs.Error = c.Capture.LastError
			}
			counts[i] = c.Capture.Frames
			st.Dropped += cs.Dropped
		}
	}
	counts[len(r.cams)] = es.Fused
	for _, n := range es.Sync.Late {
		st.Dropped += uint64(n)
	}
	for _, n := range es.SinkDropped {
		st.Dropped += uint64(n)
	}
	if r.feed != nil {
		st.LatencyMS = float64(r.feed.Latency()) / 1e6
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if dt := now.Sub(s.t).Seconds(); !s.t.IsZero() && dt > 0 {
		st.FPS = float64(counts[len(r.cams)]-s.prev[len(r.cams)]) / dt
		for i := range st.Cameras {
			if r.pose != nil {
				st.Cameras[i].FPS = float64(counts[i]-s.prev[i]) / dt
			} else {
				st.Cameras[i].FPS = st.FPS // the virtual rig: every camera at the fused rate
			}
		}
	}
	s.t, s.prev = now, counts
	return st
}
