package skeleton

import "testing"

func TestSets(t *testing.T) {
	for _, s := range []*Set{&COCO17, &BODY25, &BODY25B} {
		seen := map[string]bool{}
		for _, j := range s.Joints {
			if seen[j] {
				t.Errorf("%s: joint %s twice", s.Name, j)
			}
			seen[j] = true
		}
		for _, l := range s.Limbs {
			if l[0] < 0 || l[1] < 0 || l[0] >= s.Len() || l[1] >= s.Len() || l[0] == l[1] {
				t.Errorf("%s: bad limb %v", s.Name, l)
			}
		}
		if ByName(s.Name) != s {
			t.Errorf("ByName(%q) is not the set", s.Name)
		}
	}
	// BODY_25B starts with COCO-17, in the same order.
	for i, j := range COCO17.Joints {
		if BODY25B.Joints[i] != j {
			t.Errorf("BODY25B[%d] = %s, want %s", i, BODY25B.Joints[i], j)
		}
	}
	if got := BODY25.Index("RHeel"); got != 24 {
		t.Errorf("BODY25 RHeel at %d, want 24", got)
	}
	if len(COCO17.Sigmas) != NumCOCO17 || COCO17.Len() != NumCOCO17 {
		t.Error("COCO17 sizes disagree")
	}
}

func TestMirror(t *testing.T) {
	for _, s := range []*Set{&COCO17, &BODY25, &BODY25B} {
		m := s.Mirror()
		for i, k := range m {
			if m[k] != i {
				t.Errorf("%s: mirror of mirror of %s is not itself", s.Name, s.Joints[i])
			}
		}
	}
	m := COCO17.Mirror()
	if m[LKnee] != RKnee || m[Nose] != Nose || m[RWrist] != LWrist {
		t.Errorf("COCO17 mirror wrong: %v", m)
	}
}
