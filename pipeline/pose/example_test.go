package pose_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/athlete3d/athlete3d/pipeline"
	"github.com/athlete3d/athlete3d/pipeline/capture"
	"github.com/athlete3d/athlete3d/pipeline/pose"
)

// Two recorded cameras through the pose step into frame sets: the front of
// the live graph, offline.
func Example() {
	var grabbers []*capture.Grabber
	for i, path := range []string{"cam01.mp4", "cam02.mp4"} {
		g, err := capture.NewGrabber(i, capture.SourceConfig{URL: path})
		if err != nil {
			log.Fatal(err)
		}
		grabbers = append(grabbers, g)
	}
	stage, err := pose.New(grabbers, pose.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer stage.Close()
	syncer, err := pipeline.NewSyncer(pipeline.SyncConfig{Cameras: 2, Tolerance: 8 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}

	views := make(chan *pipeline.View, 8)
	errc := make(chan error, 1)
	go func() {
		errc <- stage.Run(context.Background(), views)
		close(views)
	}()
	use := func(sets []*pipeline.FrameSet) {
		for _, fs := range sets {
			fmt.Printf("%v: %d views\n", fs.Time, fs.Count)
			fs.Release() // releases its views too
		}
	}
	for v := range views {
		sets, err := syncer.Add(v) // the syncer owns v from here
		if err != nil {
			log.Fatal(err)
		}
		use(sets)
	}
	use(syncer.Drain())
	if err := <-errc; err != nil {
		log.Fatal(err)
	}
	st := stage.Stats()
	fmt.Printf("pose step p50 %.0f ms, workers busy %.0f%%\n", 1e3*st.Inference.Quantile(0.5), 100*st.Utilisation)
}
