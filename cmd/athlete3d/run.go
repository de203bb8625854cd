package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/athlete3d/athlete3d/calibration"
	"github.com/athlete3d/athlete3d/internal/metrics"
	"github.com/athlete3d/athlete3d/models"
	"github.com/athlete3d/athlete3d/overlay"
	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/capture"
	"github.com/athlete3d/athlete3d/pipeline/fusion"
	"github.com/athlete3d/athlete3d/pipeline/pose"
	"github.com/athlete3d/athlete3d/pipeline/synthetic"
	"github.com/athlete3d/athlete3d/skeleton"
)

const runSynopsis = `run --config FILE.toml [--duration D]

Runs the pipeline the configuration describes (docs/run.md): the cameras or
the virtual rig, the pose step, sync, fusion and live metrics, and the sinks.
SIGINT or SIGTERM stops it cleanly: the frames already fused are written and
the sinks closed.`

func runRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("run", runSynopsis, stderr)
	config := fs.String("config", "", "the run's configuration `file`")
	duration := fs.Duration("duration", 0, "stop after this `long` (0: when the inputs end, or at a signal)")
	if err := parse(fs, args); err != nil {
		return err
	}
	switch {
	case *config == "":
		return misuse(fs, "--config is required")
	case fs.NArg() > 0:
		return misuse(fs, "unexpected argument %q", fs.Arg(0))
	case *duration < 0:
		return misuse(fs, "--duration cannot be negative")
	}
	cfg, err := pipeline.LoadConfig(*config)
	if err != nil {
		return err
	}
	r, err := buildRun(cfg)
	if err != nil {
		return err
	}
	defer r.close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if *duration > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *duration)
		defer cancel()
	}
	if r.hub != nil {
		addr, stop, err := r.serveOverlay(cfg.Overlay.Listen)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "overlay on http://%s/overlay?camera=0, dashboard on /dashboard, feed on ws://%s/feed\n", addr, addr)
		defer stop()
	}
	if cfg.HTTP.Listen != "" {
		srv, err := r.serve(cfg.HTTP.Listen)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "metrics on http://%s/metrics, health on /healthz\n", srv.Addr)
		defer srv.Close()
	}
	start := time.Now()
	err = r.engine.Run(ctx)
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = nil // a signal or --duration: a clean stop
	}
	r.summary(stdout, time.Since(start))
	return err
}

// pipelineRun is a configured run: its engine and the sources behind it,
// kept for their statistics.
type pipelineRun struct {
	cfg    *pipeline.Config
	cams   []calibration.Camera
	engine *pipeline.Engine
	set    *skeleton.Set
	pose   *pose.Stage
	hub    *overlay.Hub          // nil without an overlay
	feed   *pipeline.OverlaySink // the hub's sink
	// epoch is the wall-clock instant of capture time 0 for cameras.
	epoch  time.Time
	closer []func() error
}

// buildRun builds the sources, sinks and engine of cfg; extra sinks join
// the configured ones.
func buildRun(cfg *pipeline.Config, extra ...pipeline.Sink) (*pipelineRun, error) {
	r := &pipelineRun{cfg: cfg}
	var sources []pipeline.ViewSource
	rate := cfg.Rate
	set := &skeleton.COCO17
	live := cfg.Live
	if cfg.Synthetic != nil {
		sc, err := synthetic.Parse(cfg.Synthetic.URL)
		if err != nil {
			return nil, fmt.Errorf("%w: synthetic.url: %w", pipeline.ErrConfig, err)
		}
		sc.Live = sc.Live || cfg.Live
		rig, err := synthetic.New(sc)
		if err != nil {
			return nil, fmt.Errorf("synthetic rig: %w", err)
		}
		r.cams, set, rate, live = rig.Calibration(), rig.Scene().Set, rig.Scene().Rate, sc.Live
		sources = append(sources, rig)
	} else if err := r.cameras(&sources); err != nil {
		return nil, err
	}
	r.set = set
	sinks, err := r.sinks()
	if err != nil {
		r.close()
		return nil, err
	}
	if cfg.Overlay.Listen != "" {
		s, err := r.overlaySink()
		if err != nil {
			for _, s := range sinks {
				s.Close()
			}
			r.close()
			return nil, err
		}
		sinks = append(sinks, s)
	}
	sinks = append(sinks, extra...)
	ms := func(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }
	r.engine, err = pipeline.NewEngine(pipeline.EngineConfig{
		Cameras: r.cams, Set: set, Rate: rate, Live: live,
		Sync: pipeline.SyncConfig{Tolerance: ms(cfg.Fusion.ToleranceMS), Latency: ms(cfg.Fusion.LatencyMS)},
		Fusion: fusion.StageConfig{
			Triangulator: fusion.TriangulatorConfig{
				MinScore: cfg.Fusion.MinScore, MaxError: cfg.Fusion.MaxError, IgnoreDistortion: cfg.Fusion.IgnoreDistortion,
				Refine: cfg.Fusion.Refine,
			},
			Limbs:  cfg.Fusion.Limbs == "correct" || cfg.Fusion.Limbs == "fit",
			Limb:   fusion.LimbConfig{Correct: true, Fit: cfg.Fusion.Limbs == "fit"},
			Smooth: cfg.Fusion.Smooth,
		},
	}, sources, sinks)
	if err != nil {
		for _, s := range sinks {
			s.Close()
		}
		r.close()
		return nil, err
	}
	return r, nil
}

// cameras builds the grabbers of the configured cameras and the pose
// stage behind them, ordering the rig as the configuration does.
func (r *pipelineRun) cameras(sources *[]pipeline.ViewSource) error {
	cfg := r.cfg
	calib, _, err := calibration.ReadFile(cfg.Path(cfg.Calibration))
	if err != nil {
		return err
	}
	epoch := time.Now()
	r.epoch = epoch
	var grabbers []*capture.Grabber
	for i, cc := range cfg.Cameras {
		k := -1
		for j := range calib {
			if calib[j].Name == cc.Name {
				k = j
			}
		}
		if k < 0 {
			return fmt.Errorf("%w: camera[%d].name: %q is not a camera of %s", pipeline.ErrConfig, i, cc.Name, cfg.Calibration)
		}
		r.cams = append(r.cams, calib[k])
		g, err := capture.NewGrabber(i, capture.SourceConfig{
			Name: cc.Name, URL: cfg.Path(cc.Source), FPS: cc.FPS, Live: cfg.Live, Epoch: epoch,
			Offset: time.Duration(cc.OffsetMS * float64(time.Millisecond)),
		})
		if err != nil {
			return fmt.Errorf("camera %s: %w", cc.Name, err)
		}
		grabbers = append(grabbers, g)
	}
	pc := pose.Config{Workers: cfg.Pose.Workers, Threads: cfg.Pose.Threads, Batch: cfg.Pose.Batch, Live: cfg.Live}
	switch m := cfg.Pose.Model; m {
	case "", "lightning":
	case "thunder":
		pc.Tracker.Estimator.Model = models.ModelPath("movenet-thunder.onnx")
	default:
		pc.Tracker.Estimator.Model = cfg.Path(m)
	}
	st, err := pose.New(grabbers, pc)
	if err != nil {
		return err
	}
	r.pose = st
	r.closer = append(r.closer, st.Close)
	*sources = append(*sources, st)
	return nil
}

// sinks opens the configured outputs, their folders made as needed.
func (r *pipelineRun) sinks() ([]pipeline.Sink, error) {
	var sinks []pipeline.Sink
	for i, sc := range r.cfg.Sinks {
		path := r.cfg.Path(sc.Path)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return nil, fmt.Errorf("sink[%d]: %w", i, err)
		}
		s, err := pipeline.NewJSONLSink(path, r.set)
		if err != nil {
			for _, s := range sinks {
				s.Close()
			}
			return nil, fmt.Errorf("sink[%d]: %w", i, err)
		}
		sinks = append(sinks, s)
	}
	return sinks, nil
}

func (r *pipelineRun) close() {
	for _, c := range r.closer {
		c()
	}
}

// serve starts the monitoring endpoint.
func (r *pipelineRun) serve(addr string) (*http.Server, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		r.writeMetrics(w)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		down := r.downCameras()
		w.Header().Set("Content-Type", "application/json")
		if len(down) > 0 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		printJSON(w, map[string]any{"ok": len(down) == 0, "down": down})
	})
	return listenHTTP(addr, "http.listen", mux)
}

// listenHTTP serves h on addr until the returned server is closed; key
// names the configuration key in an error.
func listenHTTP(addr, key string, h http.Handler) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	srv := &http.Server{Addr: ln.Addr().String(), Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	return srv, nil
}

// downCameras names the live cameras that deliver no frames.
func (r *pipelineRun) downCameras() []string {
	down := []string{}
	if r.pose == nil || !r.cfg.Live {
		return down
	}
	for i, c := range r.pose.Stats().Cameras {
		// Down: not delivering after it had, or after a failure; a camera
		// still opening is not down yet.
		if !c.Capture.Up && (c.Capture.Frames > 0 || c.Capture.LastError != "") {
			down = append(down, r.cams[i].Name)
		}
	}
	return down
}

// summary prints what the run did.
func (r *pipelineRun) summary(w io.Writer, took time.Duration) {
	st := r.engine.Stats()
	fmt.Fprintf(w, "%d frame sets fused in %v (%d with every camera); late views %v\n",
		st.Fused, took.Round(time.Millisecond), st.Sync.Complete, st.Sync.Late)
	if r.pose != nil {
		ps := r.pose.Stats()
		for i, c := range ps.Cameras {
			fmt.Fprintf(w, "  %-10s %6d frames read, %6d posed, %5d dropped\n", r.cams[i].Name, c.Capture.Frames, c.Processed, c.Dropped+c.Capture.Dropped)
		}
		fmt.Fprintf(w, "  pose: %d workers, %.0f %% busy; inference p50 %.1f ms, p99 %.1f ms; arrival to view p50 %.1f ms, p99 %.1f ms\n",
			ps.Workers, 100*ps.Utilisation, 1000*ps.Inference.Quantile(0.5), 1000*ps.Inference.Quantile(0.99),
			1000*ps.Total.Quantile(0.5), 1000*ps.Total.Quantile(0.99))
	}
	for i, d := range st.SinkDropped {
		if d > 0 {
			fmt.Fprintf(w, "  sink %s lost %d frames\n", r.cfg.Sinks[i].Path, d)
		}
	}
}

// writeMetrics writes the run's figures in Prometheus's text format.
func (r *pipelineRun) writeMetrics(w io.Writer) {
	st := r.engine.Stats()
	help := func(first bool, h string) string {
		if first {
			return h
		}
		return ""
	}
	metrics.WriteCounter(w, "athlete3d_framesets_total", "Frame sets fused.", float64(st.Fused))
	metrics.WriteCounter(w, "athlete3d_framesets_complete_total", "Frame sets with every camera.", float64(st.Sync.Complete))
	metrics.WriteCounter(w, "athlete3d_fusion_seconds_total", "Time spent in fusion and live metrics.", st.FuseTime.Seconds())
	for i, n := range st.Sync.Late {
		metrics.WriteCounter(w, "athlete3d_views_late_total", help(i == 0, "Views that came after their frame set had gone (live)."), float64(n),
			metrics.Label{Name: "camera", Value: r.cams[i].Name})
	}
	for i, n := range st.SinkDropped {
		metrics.WriteCounter(w, "athlete3d_sink_dropped_total", help(i == 0, "Fused frames a sink lost by falling behind (live)."), float64(n),
			metrics.Label{Name: "sink", Value: r.cfg.Sinks[i].Path})
	}
	if r.pose == nil {
		return
	}
	ps := r.pose.Stats()
	for i, c := range ps.Cameras {
		cam := metrics.Label{Name: "camera", Value: r.cams[i].Name}
		metrics.WriteCounter(w, "athlete3d_frames_in_total", help(i == 0, "Frames read from the camera."), float64(c.Capture.Frames), cam)
		up := 0.0
		if c.Capture.Up {
			up = 1
		}
		metrics.WriteGauge(w, "athlete3d_camera_up", help(i == 0, "1 while the camera delivers frames."), up, cam)
	}
	for i, c := range ps.Cameras {
		cam := metrics.Label{Name: "camera", Value: r.cams[i].Name}
		metrics.WriteCounter(w, "athlete3d_frames_posed_total", help(i == 0, "Frames through the pose step."), float64(c.Processed), cam)
	}
	for i, c := range ps.Cameras {
		cam := metrics.Label{Name: "camera", Value: r.cams[i].Name}
		metrics.WriteCounter(w, "athlete3d_frames_dropped_total", help(i == 0, "Frames dropped before the pose step: no room at the grabber, or replaced by a newer frame (live)."),
			float64(c.Dropped+c.Capture.Dropped), cam)
	}
	for i, c := range ps.Cameras {
		cam := metrics.Label{Name: "camera", Value: r.cams[i].Name}
		metrics.WriteCounter(w, "athlete3d_camera_reconnects_total", help(i == 0, "Times a live camera was opened again."), float64(c.Capture.Reconnects), cam)
	}
	metrics.WriteGauge(w, "athlete3d_pose_utilisation", "Share of the pose workers' time spent in the pose step.", ps.Utilisation)
	ps.Queue.WriteProm(w, "athlete3d_pose_queue_seconds", "From a frame's arrival to a worker starting on it.")
	ps.Inference.WriteProm(w, "athlete3d_pose_inference_seconds", "The pose step on one frame.")
	ps.Total.WriteProm(w, "athlete3d_pose_total_seconds", "From a frame's arrival to its view handed on.")
}
