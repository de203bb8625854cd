package calibration

import (
	"math"

	"gonum.org/v1/gonum/spatial/r3"
)

// Camera is one calibrated camera: intrinsics, lens distortion and pose.
//
// Conventions (OpenCV's): a world point X maps to camera coordinates
// Xc = R·X + T (metres; camera x right, y down, z forward); the pinhole
// projection of Xc is (x, y) = (Xc.X/Xc.Z, Xc.Y/Xc.Z); distortion maps (x, y)
// to (xd, yd); pixels are (u, v) = K·(xd, yd, 1), with pixel centres at
// integer coordinates.
type Camera struct {
	Name          string
	Width, Height int
	// K is the intrinsic matrix [fx s cx; 0 fy cy; 0 0 1].
	K [3][3]float64
	// Dist holds the distortion coefficients in OpenCV's order: k1, k2, p1,
	// p2[, k3] (Brown–Conrady), or k1..k4 when Fisheye (equidistant model).
	// Missing trailing coefficients are zero; nil means no distortion.
	Dist    []float64
	Fisheye bool
	// R and T take world points to camera coordinates.
	R [3][3]float64
	T r3.Vec
}

// ToCamera returns X in camera coordinates.
func (c *Camera) ToCamera(X r3.Vec) r3.Vec {
	return r3.Vec{
		X: c.R[0][0]*X.X + c.R[0][1]*X.Y + c.R[0][2]*X.Z + c.T.X,
		Y: c.R[1][0]*X.X + c.R[1][1]*X.Y + c.R[1][2]*X.Z + c.T.Y,
		Z: c.R[2][0]*X.X + c.R[2][1]*X.Y + c.R[2][2]*X.Z + c.T.Z,
	}
}

// Center returns the camera's optical centre in world coordinates, −Rᵀ·T.
func (c *Camera) Center() r3.Vec {
	t := c.T
	return r3.Vec{
		X: -(c.R[0][0]*t.X + c.R[1][0]*t.Y + c.R[2][0]*t.Z),
		Y: -(c.R[0][1]*t.X + c.R[1][1]*t.Y + c.R[2][1]*t.Z),
		Z: -(c.R[0][2]*t.X + c.R[1][2]*t.Y + c.R[2][2]*t.Z),
	}
}

// Project returns the pixel where X is seen. ok is false when X is not in
// front of the camera.
func (c *Camera) Project(X r3.Vec) (u, v float64, ok bool) {
	p := c.ToCamera(X)
	if !(p.Z > 0) {
		return 0, 0, false
	}
	u, v = c.PixelOf(p.X/p.Z, p.Y/p.Z)
	return u, v, true
}

// PixelOf maps ideal normalised coordinates (x, y) through the lens
// distortion and the intrinsics to a pixel.
func (c *Camera) PixelOf(x, y float64) (u, v float64) {
	xd, yd := c.distort(x, y)
	return c.K[0][0]*xd + c.K[0][1]*yd + c.K[0][2], c.K[1][1]*yd + c.K[1][2]
}

// Pinhole maps ideal normalised coordinates (x, y) to a pixel with the
// intrinsics alone: where the point would be seen without lens distortion.
func (c *Camera) Pinhole(x, y float64) (u, v float64) {
	return c.K[0][0]*x + c.K[0][1]*y + c.K[0][2], c.K[1][1]*y + c.K[1][2]
}

func (c *Camera) coef(i int) float64 {
	if i < len(c.Dist) {
		return c.Dist[i]
	}
	return 0
}

func (c *Camera) distort(x, y float64) (xd, yd float64) {
	if c.Fisheye {
		r := math.Hypot(x, y)
		if r < 1e-12 {
			return x, y
		}
		th := math.Atan(r)
		t2 := th * th
		thd := th * (1 + t2*(c.coef(0)+t2*(c.coef(1)+t2*(c.coef(2)+t2*c.coef(3)))))
		s := thd / r
		return x * s, y * s
	}
	k1, k2, p1, p2, k3 := c.coef(0), c.coef(1), c.coef(2), c.coef(3), c.coef(4)
	r2 := x*x + y*y
	radial := 1 + r2*(k1+r2*(k2+r2*k3))
	xd = x*radial + 2*p1*x*y + p2*(r2+2*x*x)
	yd = y*radial + p1*(r2+2*y*y) + 2*p2*x*y
	return xd, yd
}

// Normalize maps a pixel to ideal normalised coordinates (x, y): the
// inverse of PixelOf, solving the distortion by fixed-point iteration
// (Brown–Conrady) or Newton's method on the angle (fisheye). ok is false
// when the iteration does not converge to 1e-9, as far outside the
// calibrated field of view.
func (c *Camera) Normalize(u, v float64) (x, y float64, ok bool) {
	fx, fy, s, cx, cy := c.K[0][0], c.K[1][1], c.K[0][1], c.K[0][2], c.K[1][2]
	yd := (v - cy) / fy
	xd := (u - cx - s*yd) / fx
	if len(c.Dist) == 0 {
		return xd, yd, true
	}
	if c.Fisheye {
		rd := math.Hypot(xd, yd)
		if rd < 1e-12 {
			return xd, yd, true
		}
		th := rd
		for range 20 {
			t2 := th * th
			f := th*(1+t2*(c.coef(0)+t2*(c.coef(1)+t2*(c.coef(2)+t2*c.coef(3))))) - rd
			df := 1 + t2*(3*c.coef(0)+t2*(5*c.coef(1)+t2*(7*c.coef(2)+t2*9*c.coef(3))))
			step := f / df
			th -= step
			if math.Abs(step) < 1e-12 {
				break
			}
		}
		if !(th >= 0 && th < math.Pi/2) {
			return 0, 0, false
		}
		sc := math.Tan(th) / rd
		x, y = xd*sc, yd*sc
	} else {
		x, y = xd, yd
		for range 50 {
			ex, ey := c.distort(x, y)
			dx, dy := xd-ex, yd-ey
			x, y = x+dx, y+dy
			if dx*dx+dy*dy < 1e-26 {
				break
			}
		}
	}
	ex, ey := c.distort(x, y)
	if math.Hypot(ex-xd, ey-yd) > 1e-9 || math.IsNaN(x) || math.IsNaN(y) {
		return 0, 0, false
	}
	return x, y, true
}

// ProjectJacobian returns the pixel of X and d(u, v)/dX, the derivative of
// the pixel with respect to the world point. ok is false when X is not in
// front of the camera.
func (c *Camera) ProjectJacobian(X r3.Vec) (u, v float64, J [2][3]float64, ok bool) {
	p := c.ToCamera(X)
	if !(p.Z > 0) {
		return 0, 0, J, false
	}
	x, y := p.X/p.Z, p.Y/p.Z
	u, v = c.PixelOf(x, y)
	// d(x, y)/dXc.
	iz := 1 / p.Z
	dn := [2][3]float64{{iz, 0, -x * iz}, {0, iz, -y * iz}}
	// d(xd, yd)/d(x, y).
	var dd [2][2]float64
	if c.Fisheye {
		const h = 1e-7
		x1, y1 := c.distort(x+h, y)
		x0, y0 := c.distort(x-h, y)
		dd[0][0], dd[1][0] = (x1-x0)/(2*h), (y1-y0)/(2*h)
		x1, y1 = c.distort(x, y+h)
		x0, y0 = c.distort(x, y-h)
		dd[0][1], dd[1][1] = (x1-x0)/(2*h), (y1-y0)/(2*h)
	} else {
		k1, k2, p1, p2, k3 := c.coef(0), c.coef(1), c.coef(2), c.coef(3), c.coef(4)
		r2 := x*x + y*y
		radial := 1 + r2*(k1+r2*(k2+r2*k3))
		dr := k1 + r2*(2*k2+3*k3*r2) // d radial / d r2
		dd[0][0] = radial + 2*x*x*dr + 2*p1*y + 6*p2*x
		dd[0][1] = 2*x*y*dr + 2*p1*x + 2*p2*y
		dd[1][0] = 2*x*y*dr + 2*p1*x + 2*p2*y
		dd[1][1] = radial + 2*y*y*dr + 6*p1*y + 2*p2*x
	}
	// d(u, v)/d(xd, yd) is K's upper 2x2.
	dk := [2][2]float64{{c.K[0][0], c.K[0][1]}, {0, c.K[1][1]}}
	var a [2][2]float64 // dk·dd
	for i := range 2 {
		for j := range 2 {
			a[i][j] = dk[i][0]*dd[0][j] + dk[i][1]*dd[1][j]
		}
	}
	for i := range 2 {
		for j := range 3 {
			// (a · dn · R)[i][j]
			var s float64
			for k := range 3 {
				s += (a[i][0]*dn[0][k] + a[i][1]*dn[1][k]) * c.R[k][j]
			}
			J[i][j] = s
		}
	}
	return u, v, J, true
}

// LookAt returns an undistorted camera at eye looking at target, with the
// world's z axis up in the picture, square pixels of focal length fx and the
// principal point at the image centre.
func LookAt(name string, eye, target r3.Vec, width, height int, fx float64) Camera {
	fwd := r3.Unit(r3.Sub(target, eye))
	up := r3.Vec{Z: 1}
	if math.Abs(r3.Dot(fwd, up)) > 0.999 {
		up = r3.Vec{Y: 1}
	}
	right := r3.Unit(r3.Cross(fwd, up))
	down := r3.Cross(fwd, right)
	c := Camera{
		Name: name, Width: width, Height: height,
		K: [3][3]float64{{fx, 0, float64(width-1) / 2}, {0, fx, float64(height-1) / 2}, {0, 0, 1}},
		R: [3][3]float64{{right.X, right.Y, right.Z}, {down.X, down.Y, down.Z}, {fwd.X, fwd.Y, fwd.Z}},
	}
	rc := c.ToCamera(eye) // R·eye, as T is still zero
	c.T = r3.Scale(-1, rc)
	return c
}
