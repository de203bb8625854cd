// Package burnin draws athletes and their figures onto one camera's
// pictures, for replays and previews: skeletons, names and a lower-third
// box with speed, step length and contact time. It is the only part of
// the overlay that uses OpenCV (through gocv and a few lines of the
// package's own cgo, burnin.cpp); package overlay stays pure Go.
//
// # Drawing
//
// Draw burns a list of Person into an 8-bit BGR gocv.Mat in place. The
// caller has already placed each person in the picture: Points holds one
// pixel per joint (the athlete3d burnin verb reprojects the fused 3D
// joints through the camera's calibration), indexed like the limbs passed
// to Draw (a skeleton.Set's Limbs). A point that is NaN, negative or
// beyond 2^20 pixels is not drawn, nor is any bone that ends at it. Bones
// are antialiased lines over a dark outline, joints antialiased dots, all
// to 1/16 pixel; the colour comes from the person's ID (Options.Palette).
// The lower third lists each person: a colour swatch, the label, the speed
// (km/h or m/s, Options.Units), the step length and the contact time;
// NaN figures show as "--". Text is ASCII (OpenCV's Hershey font); other
// characters of a label show as '?'.
//
// Draw allocates nothing in Go (BenchmarkDraw reports it): the labels and
// figures are formatted into arrays on the stack and handed to C without
// copying. OpenCV itself makes a std::string per text drawn or measured,
// and nothing else.
//
// # Preview
//
// Preview is an http.Handler serving the latest published frame as an
// MJPEG stream (Content-Type multipart/x-mixed-replace; one image/jpeg
// part per frame, with its Content-Length), which browsers, VLC and
// ffplay show. Publish encodes a frame once, into a buffer OpenCV reuses,
// copies it into a pooled Go buffer shared by reference count between the
// viewers sending it, and wakes each viewer without waiting. A viewer
// takes the latest frame when it has finished sending the previous one, so
// a slow viewer skips frames (PreviewStats.Skipped) and never holds up the
// producer or the other viewers; one stalled for longer than WriteTimeout
// is dropped.
//
// # Ownership, goroutines and Close
//
// Draw keeps nothing. Publish does not keep img: the caller may reuse it
// as soon as Publish returns. Preview starts no goroutines: each viewer is
// served on the HTTP server's goroutine for its request, which returns
// when the client goes away, a write fails or times out, or Close is
// called. Close releases the encoder; stopping the HTTP server is the
// caller's. Publish, Stats, Close and ServeHTTP are safe for concurrent
// use.
//
// The package's tests run under mattest.Main: with -tags matprofile they
// fail if any Mat is left open.
package burnin
