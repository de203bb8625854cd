package movenet

import (
	"image"
	"image/color"

	"gocv.io/x/gocv"

	"github.com/athlete3d/athlete3d/skeleton"
)

var (
	leftColor  = color.RGBA{R: 255, G: 160, B: 0, A: 255}
	rightColor = color.RGBA{R: 0, G: 200, B: 255, A: 255}
	midColor   = color.RGBA{R: 255, G: 255, B: 255, A: 255}
)

// Draw paints each person's skeleton (limbs between keypoints scoring at
// least minScore, left side orange, right side blue) and ID onto img.
func Draw(img *gocv.Mat, people []Person, minScore float32) {
	thick := max(2, img.Cols()/400)
	for _, p := range people {
		for _, l := range skeleton.COCO17.Limbs {
			a, b := p.Pose[l[0]], p.Pose[l[1]]
			if a.Score < minScore || b.Score < minScore {
				continue
			}
			gocv.Line(img, pt(a), pt(b), side(l[0], l[1]), thick)
		}
		for k, kp := range p.Pose {
			if kp.Score >= minScore {
				gocv.Circle(img, pt(kp), thick+1, side(k, k), -1)
			}
		}
		gocv.PutText(img, itoa(p.ID), image.Pt(int(p.Box[0]), int(p.Box[1])-4),
			gocv.FontHersheySimplex, float64(thick)/2, midColor, thick/2+1)
	}
}

func pt(k Keypoint) image.Point { return image.Pt(int(k.X+0.5), int(k.Y+0.5)) }

// side colours a limb by the body side of its joints: odd COCO indices are
// left, even ones right, the nose neither.
func side(a, b int) color.RGBA {
	switch {
	case a == skeleton.Nose || b == skeleton.Nose:
		return midColor
	case a%2 == 1 && b%2 == 1:
		return leftColor
	case a%2 == 0 && b%2 == 0:
		return rightColor
	}
	return midColor
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for ; n > 0; n /= 10 {
		i--
		b[i] = byte('0' + n%10)
	}
	return string(b[i:])
}
