package solve

import (
	"container/heap"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/athlete3d/athlete3d/calibration"
	"gonum.org/v1/gonum/spatial/r3"
)

// FramePose is a board's pose at one synchronized frame as one camera saw
// it: PnP's output for that camera's view.
type FramePose struct {
	// Frame is the synchronized instant (View.Frame).
	Frame int
	// Pose takes board coordinates to the camera's, Xc = R·P + T. Its RMS
	// (the PnP reprojection RMS, px) screens bad views; 0 means unknown.
	Pose Pose
}

// PoseGraphOptions configures InitialExtrinsics. The zero value is usable.
type PoseGraphOptions struct {
	// Reference is the index of the camera that defines the world frame.
	Reference int
	// MaxRMS drops the board poses whose PnP RMS exceeds it, px; default
	// 3 px.
	MaxRMS float64
	// MinFrames is the fewest consistent shared frames that link two
	// cameras; default 1.
	MinFrames int
}

// PoseGraph is the outcome of InitialExtrinsics.
type PoseGraph struct {
	// Cameras are the cameras given with their extrinsics set, world =
	// the reference camera's frame (R = I, T = 0 for it). A camera not
	// connected to the reference keeps its input pose.
	Cameras []calibration.Camera
	// Connected tells which cameras were reached from the reference.
	Connected []bool
	// Edges are the camera pairs linked by at least MinFrames consistent
	// frames.
	Edges []Edge
	// Tree[c] is the index in Edges of the edge by which camera c was
	// reached, −1 for the reference and the unconnected cameras.
	Tree []int
	// Boards holds each frame's board→world pose, averaged over the
	// connected cameras that saw it: an initial guess for BoardBundle.
	Boards map[int]Pose
}

// Edge is the relative pose of two cameras averaged over the frames where
// both saw the board.
type Edge struct {
	// From and To are camera indices; R, T take From's camera coordinates
	// to To's: X_to = R·X_from + T.
	From, To int
	R        [3][3]float64
	T        r3.Vec
	// Frames counts the shared frames, Inliers those consistent with the
	// average.
	Frames, Inliers int
	// RotSpread (radians) and TransSpread (m) are the RMS deviations of the
	// inlier frames' relative poses from the average.
	RotSpread, TransSpread float64
	// Weight is the inverse of a proxy for the variance of the averaged
	// pose, Inliers / (σθ²·d² + σt²): d is the median camera-to-board
	// distance, so σθ·d is the rotation error's effect on positions, in
	// metres like σt; σθ² and σt² are the spreads shrunk towards the
	// median spreads of all the edges, so that an edge of one or two
	// frames, whose spread says nothing, is not trusted for having none.
	Weight float64
}

// InitialExtrinsics estimates every camera's pose relative to the
// reference camera from the board poses each camera measured at
// synchronized frames (poses[c] for camera c). It is the initial guess of
// BoardBundle, about as accurate as the PnP poses (with board poses off by
// 0.5° and 3 cm, cameras come within a few tenths of a degree and a few
// centimetres).
//
// # Method
//
// Each shared frame of cameras i and j gives the relative rotation
// R_ij = R_j·R_iᵀ from the board poses (R_i, t_i) and (R_j, t_j). Their
// robust average: the medoid rotation (the sample with the least summed
// angle to the others) is the median, the rotations within max(3 × the
// median angle to it, 0.5°) are inliers, and the average is their chordal
// L2 mean (the rotation nearest their sum, by SVD). Given that average R̄,
// each frame's translation is t_j − R̄·t_i; the inliers are those within
// max(3 × the median distance, 1 cm) of the component-wise median, and
// the translation is their mean (the rotation is then averaged again over
// the frames inlying in both). Each pair becomes an edge of a graph
// weighted as Edge.Weight says; the cameras are reached from the reference
// along the shortest paths for the edge length 1/Weight (Dijkstra), so
// that a chain's length adds up its links' variance proxies, and their
// poses are composed along those paths.
//
// When some cameras cannot be reached the result is still returned, with
// an error wrapping ErrDisconnected that names them.
func InitialExtrinsics(cams []calibration.Camera, poses [][]FramePose, opt PoseGraphOptions) (*PoseGraph, error) {
	nc := len(cams)
	if nc < 2 {
		return nil, fmt.Errorf("initial extrinsics: %w: %d cameras", ErrTooFewCameras, nc)
	}
	if len(poses) != nc {
		return nil, fmt.Errorf("initial extrinsics: %w: board poses for %d cameras, %d cameras", ErrInvalid, len(poses), nc)
	}
	if opt.Reference < 0 || opt.Reference >= nc {
		return nil, fmt.Errorf("initial extrinsics: %w: reference camera %d of %d", ErrTooFewCameras, opt.Reference, nc)
	}
	if opt.MaxRMS == 0 {
		opt.MaxRMS = 3
	}
	if opt.MinFrames == 0 {
		opt.MinFrames = 1
	}

	// Board poses by camera and frame, screened; frames in order, so that
	// the result does not depend on map iteration.
	byCam := make([]map[int]Pose, nc)
	camFrames := make([][]int, nc)
	for c := range poses {
		byCam[c] = map[int]Pose{}
		seen := map[int]bool{}
		for _, fp := range poses[c] {
			if !finiteRigid(fp.Pose.R, fp.Pose.T) || math.IsNaN(fp.Pose.RMS) {
				return nil, fmt.Errorf("initial extrinsics: camera %s frame %d: %w: board pose is not a finite rotation", cameraName(cams, c), fp.Frame, ErrInvalid)
			}
			if seen[fp.Frame] && fp.Frame >= 0 {
				return nil, fmt.Errorf("initial extrinsics: camera %s: %w: two board poses for frame %d", cameraName(cams, c), ErrInvalid, fp.Frame)
			}
			seen[fp.Frame] = true
			if fp.Frame < 0 || fp.Pose.RMS > opt.MaxRMS {
				continue
			}
			byCam[c][fp.Frame] = fp.Pose
			camFrames[c] = append(camFrames[c], fp.Frame)
		}
		sort.Ints(camFrames[c])
	}

	g := &PoseGraph{Tree: make([]int, nc), Connected: make([]bool, nc), Boards: map[int]Pose{}}
	adj := make([][]int, nc) // edge indices by camera
	var dists []float64      // median camera-to-board distance of each edge
	for i := range nc {
		for j := i + 1; j < nc; j++ {
			var rs [][3][3]float64
			var ti, tj []r3.Vec
			var d []float64
			for _, f := range camFrames[i] {
				pi := byCam[i][f]
				pj, ok := byCam[j][f]
				if !ok {
					continue
				}
				rs = append(rs, calibration.MatMul(pj.R, calibration.Transpose(pi.R)))
				ti, tj = append(ti, pi.T), append(tj, pj.T)
				d = append(d, r3.Norm(pi.T), r3.Norm(pj.T))
			}
			if len(rs) < opt.MinFrames {
				continue
			}
			r, in, ok := rotationMean(rs)
			if !ok {
				continue
			}
			// With the rotation known, each frame's translation is
			// t_j − R̄·t_i: the board origin seen from j against where R̄
			// puts it. The frame's own R_ij would add its rotation error
			// times the board's distance.
			ts := make([]r3.Vec, len(rs))
			for k := range rs {
				ts[k] = r3.Sub(tj[k], calibration.MatVec(r, ti[k]))
			}
			t, in := translationMean(ts, in)
			n := count(in)
			if n < opt.MinFrames {
				continue
			}
			// The rotation again, over the final inliers.
			if r, ok = chordalMean(rs, in); !ok {
				continue
			}
			e := Edge{From: i, To: j, R: r, T: t, Frames: len(rs), Inliers: n}
			e.RotSpread, e.TransSpread = spreads(rs, ts, in, r, t)
			adj[i] = append(adj[i], len(g.Edges))
			adj[j] = append(adj[j], len(g.Edges))
			g.Edges = append(g.Edges, e)
			dists = append(dists, median(d))
		}
	}
	edgeWeights(g.Edges, dists)

	// Shortest-path tree from the reference.
	dist := make([]float64, nc)
	for c := range dist {
		dist[c] = math.Inf(1)
		g.Tree[c] = -1
	}
	dist[opt.Reference] = 0
	q := &distQueue{{opt.Reference, 0}}
	done := make([]bool, nc)
	for q.Len() > 0 {
		it := heap.Pop(q).(distItem)
		if done[it.cam] {
			continue
		}
		done[it.cam] = true
		for _, k := range adj[it.cam] {
			e := &g.Edges[k]
			o := e.To
			if o == it.cam {
				o = e.From
			}
			if d := dist[it.cam] + 1/e.Weight; d < dist[o] {
				dist[o] = d
				g.Tree[o] = k
				heap.Push(q, distItem{o, d})
			}
		}
	}

	// Compose the poses along the tree, parents first (by distance).
	g.Cameras = append([]calibration.Camera(nil), cams...)
	order := make([]int, 0, nc)
	for c := range nc {
		if done[c] {
			order = append(order, c)
		}
	}
	sort.Slice(order, func(a, b int) bool { return dist[order[a]] < dist[order[b]] })
	for _, c := range order {
		g.Connected[c] = true
		if c == opt.Reference {
			g.Cameras[c].R = [3][3]float64{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}
			g.Cameras[c].T = r3.Vec{}
			continue
		}
		e := &g.Edges[g.Tree[c]]
		parent, r, t := e.From, e.R, e.T
		if e.From == c {
			// Walk the edge backwards: X_from = Rᵀ·(X_to − T).
			parent, r, t = e.To, calibration.Transpose(e.R), r3.Scale(-1, m3tvec(e.R, e.T))
		}
		pc := &g.Cameras[parent]
		g.Cameras[c].R = calibration.MatMul(r, pc.R)
		g.Cameras[c].T = r3.Add(calibration.MatVec(r, pc.T), t)
	}

	// Board→world per frame: X = R_cᵀ·(R_b·P + t_b − T_c), averaged.
	frames := map[int][]int{}
	for c := range nc {
		if !g.Connected[c] {
			continue
		}
		for _, f := range camFrames[c] {
			frames[f] = append(frames[f], c)
		}
	}
	for f, cs := range frames {
		rs := make([][3][3]float64, len(cs))
		ts := make([]r3.Vec, len(cs))
		for k, c := range cs {
			b, cam := byCam[c][f], &g.Cameras[c]
			rs[k] = calibration.MatMul(calibration.Transpose(cam.R), b.R)
			ts[k] = m3tvec(cam.R, r3.Sub(b.T, cam.T))
		}
		r, in, ok := rotationMean(rs)
		if !ok {
			continue
		}
		t, in := translationMean(ts, in)
		if r, ok = chordalMean(rs, in); ok {
			g.Boards[f] = Pose{R: r, T: t}
		}
	}

	var missing []string
	for c := range nc {
		if !g.Connected[c] {
			missing = append(missing, cameraName(cams, c))
		}
	}
	if len(missing) > 0 {
		return g, fmt.Errorf("initial extrinsics: %w: %s share no frame with reference %s, directly or through other cameras",
			ErrDisconnected, strings.Join(missing, ", "), cameraName(cams, opt.Reference))
	}
	return g, nil
}

// angleBetween returns the angle between two rotations, from the trace of
// a·bᵀ (the sum of the element-wise products).
func angleBetween(a, b *[3][3]float64) float64 {
	var tr float64
	for i := range 3 {
		for j := range 3 {
			tr += a[i][j] * b[i][j]
		}
	}
	return math.Acos(math.Max(-1, math.Min(1, (tr-1)/2)))
}

// rotationMean returns the robust average of rs that InitialExtrinsics
// describes, and which of them are inliers. ok is false when the inliers
// do not determine a mean.
func rotationMean(rs [][3][3]float64) ([3][3]float64, []bool, bool) {
	n := len(rs)
	// The medoid: the least summed angle to the others.
	best, bestSum := 0, math.Inf(1)
	for i := range n {
		var s float64
		for j := range n {
			s += angleBetween(&rs[i], &rs[j])
		}
		if s < bestSum {
			best, bestSum = i, s
		}
	}
	da := make([]float64, n)
	for i := range n {
		da[i] = angleBetween(&rs[i], &rs[best])
	}
	tol := math.Max(3*median(da), 0.5*math.Pi/180)
	in := make([]bool, n)
	for i := range n {
		in[i] = da[i] <= tol
	}
	r, ok := chordalMean(rs, in)
	return r, in, ok
}

// chordalMean returns the chordal L2 mean of the rotations rs[i] with
// in[i]: the rotation nearest (Frobenius) to their sum. ok is false when
// the sum has rank < 2, as for no rotation or two opposite ones.
func chordalMean(rs [][3][3]float64, in []bool) ([3][3]float64, bool) {
	var sum [3][3]float64
	for i := range rs {
		if !in[i] {
			continue
		}
		for a := range 3 {
			for b := range 3 {
				sum[a][b] += rs[i][a][b]
			}
		}
	}
	return nearestRotation(sum)
}

// translationMean returns the mean of the translations ts[i] with in[i]
// that lie within max(3 × the median distance, 1 cm) of their
// component-wise median, and which those are (a subset of in).
func translationMean(ts []r3.Vec, in []bool) (r3.Vec, []bool) {
	var xs, ys, zs []float64
	for i := range ts {
		if in[i] {
			xs, ys, zs = append(xs, ts[i].X), append(ys, ts[i].Y), append(zs, ts[i].Z)
		}
	}
	med := r3.Vec{X: median(xs), Y: median(ys), Z: median(zs)}
	dt := make([]float64, len(ts))
	var d []float64
	for i := range ts {
		if in[i] {
			dt[i] = r3.Norm(r3.Sub(ts[i], med))
			d = append(d, dt[i])
		}
	}
	tol := math.Max(3*median(d), 0.01)
	out := make([]bool, len(ts))
	var sum r3.Vec
	n := 0
	for i := range ts {
		if in[i] && dt[i] <= tol {
			out[i] = true
			sum = r3.Add(sum, ts[i])
			n++
		}
	}
	if n == 0 {
		return med, out
	}
	return r3.Scale(1/float64(n), sum), out
}

// spreads returns the RMS angle (radians) and distance (m) of the inlier
// motions from (r, t).
func spreads(rs [][3][3]float64, ts []r3.Vec, in []bool, r [3][3]float64, t r3.Vec) (rot, trans float64) {
	n := 0
	for i := range rs {
		if in[i] {
			a := angleBetween(&rs[i], &r)
			rot += a * a
			trans += r3.Norm2(r3.Sub(ts[i], t))
			n++
		}
	}
	return math.Sqrt(rot / float64(n)), math.Sqrt(trans / float64(n))
}

// edgeWeights sets each edge's Weight as Edge documents; dists[k] is edge
// k's median camera-to-board distance.
func edgeWeights(edges []Edge, dists []float64) {
	// Median spreads of the edges with enough frames to show one.
	var rots, trans []float64
	for _, e := range edges {
		if e.Inliers >= 3 {
			rots, trans = append(rots, e.RotSpread), append(trans, e.TransSpread)
		}
	}
	r0, t0 := median(rots), median(trans)
	// Shrinkage: the edge's own spread counts as n frames, the median as
	// prior frames.
	const prior = 3
	for k := range edges {
		e := &edges[k]
		n := float64(e.Inliers)
		r2 := (n*e.RotSpread*e.RotSpread + prior*r0*r0) / (n + prior)
		t2 := (n*e.TransSpread*e.TransSpread + prior*t0*t0) / (n + prior)
		// 1e-12 m²: noise-free data still give finite weights.
		e.Weight = n / (r2*dists[k]*dists[k] + t2 + 1e-12)
	}
}

func count(in []bool) int {
	n := 0
	for _, b := range in {
		if b {
			n++
		}
	}
	return n
}

// median returns the median of xs (left untouched); 0 for none.
func median(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	xs = append([]float64(nil), xs...)
	sort.Float64s(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

type distItem struct {
	cam  int
	dist float64
}

// distQueue is Dijkstra's priority queue of cameras by distance.
type distQueue []distItem

func (q distQueue) Len() int           { return len(q) }
func (q distQueue) Less(i, j int) bool { return q[i].dist < q[j].dist }
func (q distQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *distQueue) Push(x any)        { *q = append(*q, x.(distItem)) }
func (q *distQueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}
