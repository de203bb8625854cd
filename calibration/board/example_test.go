package board_test

import (
	"fmt"
	"log"

	"github.com/athlete3d/athlete3d/calibration/board"
)

// Print a board, find it again and hand its corners to the solver.
func Example() {
	spec, err := board.Parse("charuco:4x5:0.054:0.0405:DICT_4X4_1000")
	if err != nil {
		log.Fatal(err)
	}
	img, err := board.Render(spec, 60)
	if err != nil {
		log.Fatal(err)
	}
	defer img.Close()

	det, err := board.Detect(img, spec)
	if err != nil {
		log.Fatal(err)
	}
	view := det.View("render", -1)
	fmt.Printf("%s: %d of %d corners\n", spec, view.Len(), spec.Len())
	fmt.Printf("corner %d: board (%.3f, %.3f) m, pixel (%.1f, %.1f)\n",
		view.IDs[4], view.Obj[4].X, view.Obj[4].Y, view.Pix[4][0], view.Pix[4][1])
	// Output:
	// charuco:4x5:0.054:0.0405:DICT_4X4_1000: 12 of 12 corners
	// corner 4: board (0.108, 0.108) m, pixel (179.5, 179.5)
}

func ExampleParse() {
	spec, err := board.Parse("chessboard:9x6:0.025")
	if err != nil {
		log.Fatal(err)
	}
	pts := spec.Points()
	fmt.Println(spec.Kind, spec.Len(), pts[10])

	_, err = board.Parse("charuco:4x5:0.05:0.06:DICT_4X4_50")
	fmt.Println(err)
	// Output:
	// chessboard 54 {0.025 0.025 0}
	// charuco spec "charuco:4x5:0.05:0.06:DICT_4X4_50": marker side 0.06 m not smaller than square 0.05 m
}
