// Package synthetic is the virtual rig: a pipeline.ViewSource that
// replays a bench scene (athletes running past calibrated cameras, their
// 2D keypoints with detection errors) as each camera's views with capture
// timestamps, so that sync, fusion, metrics, overlay and replay run on a
// machine without cameras, models or recorded videos.
//
// # The URL
//
// Parse reads a source URL such as
//
//	synthetic://sprint?cams=4&fps=50&athletes=3&noise=2&miss=0.05&seed=1&run=procedural&live=1&loop=0
//
// "sprint" is the only scene (bench.NewSprintScene). Every key is
// optional; a key not listed, or given twice, is an error naming it, and
// a value that does not parse or is out of range is an error naming the
// key and the value:
//
//	cams      cameras, 2 to 32                                    8
//	fps       frame rate, Hz                                     50
//	athletes  athletes in adjacent lanes, 1 to 10                 3
//	set       keypoint set: coco17, body25, body25b          coco17
//	noise     Gaussian pixel noise per coordinate, px; 0 none     2
//	miss      probability a keypoint is missed; 0 none         0.05
//	swap      probability a view's left/right are swapped      0.02
//	outlier   probability a keypoint jumps about 60 px         0.01
//	seed      seed of the detection errors                        1
//	run       "procedural", a mocap run (bench.Runs) or a .trc   procedural
//	dir       the mocap folder                    bench.DefaultDir
//	dur       the procedural run's length, s                      2
//	speed     the procedural runner's speed at the start, m/s   8.5
//	top       the speed it accelerates towards, m/s              10
//	height    the procedural runner's height, m                 1.8
//	live      1: pace frames on the wall clock; 0: as fast as read  0
//	loop      1: replay the scene without end, time running on   0
//
// The defaults need no data on disk: run=procedural is bench's procedural
// runner. A mocap run needs ../shared/data/sprint-mocap (or dir).
//
// # What a Rig sends
//
// Camera c's views carry the scene's detections of camera c at each frame
// (Camera c, Seq the frame number, Time the frame's time since the start
// of Run), also when the camera sees nobody, so that every frame set is
// complete. Offline, Run sends as fast as out takes them, frame by frame,
// the cameras of a frame in order, and blocks on out: nothing is lost.
// Live, Run sends frame n at n/fps after it started on the wall clock and
// never waits for out: a view that finds out full is dropped and counted
// (Stats), as a live camera's frame would be. At the end of the scene
// each camera gets an End view (unless loop: then the scene starts over,
// its frame numbers and times running on, until ctx is done). The End
// views wait for out even live: no frame is left to protect.
//
// # Ownership and allocation
//
// Views are lent: whoever holds one calls Release, which returns it to
// its camera's free list in the rig. A view's People slice is the view's
// own, but the keypoints it points to are the rig's, computed once when
// the rig is built and shared by every replay: read them, never write
// them. Once each camera's free list holds what the consumer keeps at
// once, sending a view allocates nothing (BenchmarkRigViews).
//
// # Goroutines
//
// A Rig starts no goroutine: Run works in the caller's and returns when
// the scene is over or ctx is done. One Run at a time (ErrRunning);
// Stats, Cameras, Calibration and Scene may be called from any goroutine.
package synthetic
