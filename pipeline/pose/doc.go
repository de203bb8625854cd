// Package pose is the pose step of the live graph: a pool of workers that
// turns the frames of a set of camera grabbers (package pipeline/capture)
// into views (pipeline.View), each camera's people and their COCO-17
// keypoints, for the frame-set sync downstream. A Stage is a
// pipeline.ViewSource.
//
// # Workers and cameras
//
// Each worker owns one MoveNet Estimator and one CenterNet Detector (their
// ONNX Runtime sessions, one intra-op thread each by default, so that
// workers and not threads share the cores). Each camera owns a
// movenet.TrackState: the people it follows and where to look for them
// next. Tracking is sequential, so a camera is worked on by at most one
// worker at a time, and its frames in order; any worker may take any
// camera's next frame with its own models. A free worker takes the camera
// that has waited longest for one (its waiting frame the oldest, a live
// replacement counting from the frame it replaced), so the cameras are
// served in turn.
//
// With Config.Batch above 1, a free worker takes up to that many waiting
// cameras and runs all their crops in one inference (it never waits for
// more). On this project's 2-core reference machine, the Pose2Sim trial's
// four videos offline (BenchmarkStage): two workers of one thread, 93
// camera frames/s unbatched, 92 batched by two; one worker of two threads,
// 63 unbatched, 68 by two, 75 by four. One inference of several crops
// saves little on a CPU thread, so Batch defaults to 1; it is for GPUs and
// many-threaded sessions.
//
// # Live and offline
//
// Each camera has one slot for the frame waiting for a worker. Offline
// (Config.Live false) the camera's feeder waits for the slot to be free and
// its grabber waits for the feeder, so every frame is processed, in order,
// and the slowest part sets the pace. Live, a newer frame replaces the one
// still waiting, which is released and counted in CameraStats.Dropped: the
// views stay current and a slow receiver costs frames, never latency
// growing without bound. A worker waits for the receiver of out in both
// modes, holding its camera meanwhile; live, the camera's grabber and slot
// go on meanwhile, dropping.
//
// # Ownership
//
//   - Frames are lent by their grabber's pool. The stage releases each as
//     soon as the pose step has read it (after the inference, before the
//     view is sent), and at once the ones it drops or still holds when
//     a run ends.
//   - Views are lent by the stage's pool: the receiver of out calls
//     Release when done, from any goroutine, and must not touch the view
//     after. People and their Keypoints live in storage the view keeps from
//     one loan to the next; a receiver that needs them longer copies them.
//     The pool grows when the receiver holds many views at once, then
//     stops allocating: in steady state the stage allocates nothing per
//     frame (TestOffline measures it, BenchmarkStage reports it).
//   - Each camera's views come in capture order; its End view (End true,
//     nothing else set but Camera) follows its last one when its input
//     is over. View.Seq is the frame's Index in its input, so any drop
//     before the pose step, the grabber's or the stage's, shows as a gap.
//
// # Goroutines
//
// Run starts, per camera, the grabber's Run and a feeder, and one goroutine
// per worker; it returns once all have returned. A grabber returns at the
// end of its input, on error, or when the run is cancelled; its feeder
// once the grabber has closed its channel and the End view is sent (or the
// run is cancelled); a worker once every camera has ended, when the run is
// cancelled, or on an inference error. The first error cancels the run
// and is what Run returns.
//
// # Measurements
//
// Stats gives per camera the frames in, processed and dropped with the
// grabber's own counts, and for the stage latency histograms
// (internal/metrics; queueing from a frame's arrival to a worker, the pose
// step, arrival to hand-off) and the workers' utilisation.
package pose
