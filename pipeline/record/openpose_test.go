package record

import (
	"strings"
	"testing"
)

var openPoseCases = []struct {
	name, text string
	joints     int
	people     int
	err        string
}{
	{"one person", `{"version":1.3,"people":[{"person_id":[-1],"pose_keypoints_2d":[1,2,0.5,3,4,0.9]}]}`, 2, 1, ""},
	{"nobody", `{"version":1.3,"people":[]}`, 2, 0, ""},
	{"placeholder", `{"people":[{"person_id":[-1],"pose_keypoints_2d":[]}]}`, 2, 0, ""},
	{"wrong length", `{"people":[{"pose_keypoints_2d":[1,2,0.5]}]}`, 2, 0, "has 3 values, want 6"},
	{"truncated", `{"people":[{"pose_keypoints_2d":[1,2`, 2, 0, "openpose"},
	{"not json", `hello`, 2, 0, "openpose"},
	{"string values", `{"people":[{"pose_keypoints_2d":["a",2,0.5,3,4,0.9]}]}`, 2, 0, "openpose"},
}

func TestReadOpenPose(t *testing.T) {
	for _, tt := range openPoseCases {
		t.Run(tt.name, func(t *testing.T) {
			people, err := ReadOpenPose(strings.NewReader(tt.text), tt.joints)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil || len(people) != tt.people {
				t.Fatalf("got %d people, %v; want %d", len(people), err, tt.people)
			}
		})
	}
	people, _ := ReadOpenPose(strings.NewReader(openPoseCases[0].text), 2)
	if got := people[0][1]; got != [3]float64{3, 4, 0.9} {
		t.Fatalf("got %v, want [3 4 0.9]", got)
	}
}

func FuzzReadOpenPose(f *testing.F) {
	for _, tt := range openPoseCases {
		f.Add(tt.text, tt.joints)
	}
	f.Fuzz(func(t *testing.T, text string, joints int) {
		if joints < 0 || joints > 200 {
			return
		}
		people, err := ReadOpenPose(strings.NewReader(text), joints)
		if err != nil {
			return
		}
		for _, p := range people {
			if len(p) != joints {
				t.Fatalf("person with %d joints, want %d", len(p), joints)
			}
		}
	})
}
