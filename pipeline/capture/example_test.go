package capture_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/pipeline/capture"
)

// A grabber over an image sequence at 50 fps, its camera 5 ms ahead of
// the rig's clock. The receiver releases every frame; it closes the
// channel itself once Run has returned.
func ExampleGrabber() {
	dir, err := os.MkdirTemp("", "frames")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	for i := 1; i <= 3; i++ {
		img := gocv.NewMatWithSize(48, 64, gocv.MatTypeCV8UC3)
		gocv.IMWrite(filepath.Join(dir, fmt.Sprintf("img_%03d.png", i)), img)
		img.Close()
	}

	g, err := capture.NewGrabber(0, capture.SourceConfig{
		URL:    filepath.Join(dir, "img_%03d.png"),
		FPS:    50,
		Offset: 5 * time.Millisecond,
	})
	if err != nil {
		log.Fatal(err)
	}
	out := make(chan *capture.Frame)
	errc := make(chan error, 1)
	go func() {
		errc <- g.Run(context.Background(), out)
		close(out)
	}()
	for f := range out {
		fmt.Printf("frame %d at %v: %dx%d\n", f.Index, f.Time, f.Img.Cols(), f.Img.Rows())
		f.Release()
	}
	if err := <-errc; err != nil {
		log.Fatal(err)
	}
	fmt.Println("delivered:", g.Stats().Frames)
	// Output:
	// frame 0 at 5ms: 64x48
	// frame 1 at 25ms: 64x48
	// frame 2 at 45ms: 64x48
	// delivered: 3
}

// A pool lends its frames until they come back: TryGet fails when all
// are out.
func ExamplePool() {
	pool := capture.NewPool(0, 2)
	defer pool.Close()
	a, _ := pool.TryGet()
	b, _ := pool.TryGet()
	_, ok := pool.TryGet()
	fmt.Println("free:", pool.Free(), "a third:", ok)
	a.Release()
	b.Release()
	fmt.Println("free:", pool.Free())
	// Output:
	// free: 0 a third: false
	// free: 2
}
