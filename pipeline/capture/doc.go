// Package capture reads cameras: video files, image sequences, network
// streams and V4L2 devices, through OpenCV's VideoCapture (gocv). It is
// the first stage of the live pipeline and its only cgo package: each
// camera has a Grabber, whose Run reads frames into the camera's Pool,
// stamps them with their capture time, and sends them on a channel.
//
// # Sources
//
// SourceConfig.URL says what a camera reads: a video file (a path, or
// "file:PATH"), read with the FFmpeg backend; an image sequence (a printf
// pattern "dir/img_%04d.png" or a directory), listed when opened and
// decoded with imread; an "rtsp://", "rtsps://", "rtmp://", "http(s)://",
// "srt://" or "udp://" stream (FFmpeg) or a "gst:" GStreamer pipeline; a
// V4L2 device ("v4l2:/dev/video0", "/dev/videoN"). FFmpeg's own options
// (RTSP over TCP, probe sizes) go through OpenCV's environment variable
// OPENCV_FFMPEG_CAPTURE_OPTIONS. NewGrabber checks the configuration; Run
// opens the input. Passwords in stream URLs are hidden in every message.
//
// # Ownership
//
// A Pool owns a fixed set of frames, each with a gocv.Mat: Buffers of
// them per camera and per Run, allocated once. OpenCV decodes into these
// Mats, reusing their memory while the image size stays the same, so the
// steady state allocates nothing per frame (TestSteadyStateAllocs,
// BenchmarkGrabVideo).
//
// A Frame sent by Run is lent to the receiver, who owns it, Img included,
// until it calls Release; after Release the frame belongs to the pool
// again and will carry another image. A receiver that keeps an image
// longer clones it. A receiver that holds every frame of the pool stops an
// offline camera and makes a live one drop frames, so the pool size
// bounds how many frames of a camera may be in flight downstream. Pool
// Close (Run does it when it returns) closes the Mats once every frame
// has come back, at once or at the last Release: the receiver must
// release every frame it got, also those left in its channel after Run
// returned.
//
// # Goroutines
//
// Run reads in the goroutine that calls it, with one helper goroutine per
// opening of the input (a session), which owns the VideoCapture: it
// opens it, reads on Run's request and closes it. Run waits for each read
// with a timer, so a read that hangs (a silent network camera, a wedged
// device) cannot hang Run. A gocv read cannot be interrupted, and closing
// the capture from another goroutine would free it under the read; so Run
// walks away from a hung read, and the session goroutine ends as soon as
// the read returns, closing the capture and releasing the frame it read
// into. FFmpeg ends a silent network read after 30 s and V4L2 after 10 s
// (OpenCV's defaults), which bounds how long such a goroutine lingers.
//
// Run returns when the input ends (offline), when it fails (offline), or
// when its context is done, promptly even if a read or an opening hangs.
// It never closes the channel it sends on. Stats may be called from any goroutine at any time.
//
// # Offline and live
//
// Offline (files and image sequences) nothing is lost: Run waits for a
// free frame and for the receiver, so the receiver sets the pace. The end
// of the input ends Run with nil (a video that ends before the frame
// count its container announced is noted in Stats.LastError: truncated
// files end cleanly with every frame FFmpeg could decode). A frame that
// decodes to nothing usable (an image file that does not decode, an empty
// or non-BGR image) is counted in Stats.Corrupt and skipped; FFmpeg itself
// skips damaged packets of a video and resynchronizes, which shows as a
// jump in the presentation times. An input that cannot be opened, or
// yields no usable frame, fails with ErrOpen; a read that hangs past the
// stall timeout (30 s by default) fails with ErrStalled.
//
// Live (streams and devices always; files and sequences when
// SourceConfig.Live is set) Run never waits for the receiver: a frame goes
// out only if the channel has room, otherwise it is dropped and counted.
// When the receiver holds every frame of the pool, frames are still read
// (into a spare Mat) and dropped, so that the source's own queue drains
// and the next frame delivered is a fresh one. The frame dropped is the
// newest: those already sent belong to the receiver, and a channel of
// capacity one bounds what waits there to a single frame. A file or a
// sequence played live is paced at its own rate from the moment Run
// starts, and ends Run at its end.
//
// A stream or device that fails (a read error, no good frame for the
// stall timeout: 2 s or ten frame periods, whichever is longer) is marked
// down (Stats.Up false, the cause in Stats.LastError) and reopened after
// a backoff of 100 ms doubling up to 5 s, jittered to half to full
// length, starting over after a good frame. Other cameras, each in its own
// Grabber, go on. Run of a stream or device returns only when its
// context is done.
//
// # Timestamps
//
// Frame.Time is the capture time since the session start, plus
// SourceConfig.Offset, the camera's correction against the rig's clock:
//   - video files: the presentation time (OpenCV's CAP_PROP_POS_MSEC),
//     counted from the first frame, which is therefore at Offset. A time
//     that is missing, or not after the previous one, becomes the
//     previous time plus one frame period (the stream's rate, else FPS),
//     so times always increase;
//   - image sequences: Index / FPS;
//   - streams and devices: the monotonic clock when the read returned,
//     since SourceConfig.Epoch (default: when Run started). It includes
//     the transport's latency: a measured latency goes into Offset,
//     negated.
//
// Frame.Seq numbers the frames delivered, from 0 without gaps in each
// Run; Frame.Index places the frame in its input (see Frame), so gaps in
// Index are frames dropped, corrupt, or missing from a sequence.
package capture
