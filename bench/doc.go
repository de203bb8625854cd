// Package bench makes synthetic multi-camera sprint scenes from real
// motion capture or from a procedural runner, and scores what the
// pipeline measures in them.
//
// # What it owns
//
//   - Mocap import (LoadMocap, LoadTrial): the sprint mocap of subject JA1
//     (../shared/data/sprint-mocap: 250 Hz, millimetres, Y up, X the
//     running direction) into the world frame, metres, right-handed, z up,
//     x along the running direction, y across the lanes to the left:
//     world = (X, −Z, Y)/1000 (FromMocap). LoadTrial then levels the run:
//     the floor sinks 6 mm per metre of x in the lab frame, a straight line
//     to 1–2 mm, so the trial turns about y until it is flat and is lifted
//     so that the lowest foot marker in stance sits 10 mm above z = 0.
//   - Joint centres ((*Trial).JointCentres) for any skeleton.Set by joint
//     name, from documented rules: Harrington hips, epicondyle and malleolus
//     midpoints (the medial markers rebuilt from the static trial by rigid
//     cluster fits), Rab shoulders, offset elbows, marker wrists, heels and
//     toes. Head joints are missing: the marker set has none there.
//   - Ground-truth gait ((*Trial).Gait): touchdown and toe-off per foot at
//     sub-frame times from the foot markers' heights and the metatarsal
//     heads' speed, steps, contact and flight times, speed.
//   - The procedural runner (NewRunner, Runner): a kinematic sprint model
//     for machines without the mocap. The pelvis follows an exponential
//     speed profile with acceleration; the feet alternate, planted on the
//     ball of the foot from touchdown to toe-off, with flight phases in
//     which the pelvis is ballistic; the stance knee comes by inverse
//     kinematics, the swing's joint angles by cubic keyframe curves that
//     join the stances (the sole lands and lifts at 1 m/s); the arms swing
//     against the legs; segment lengths come from standard anthropometry
//     (Winter's table) for a given height. It gives every joint by name
//     for any skeleton.Set, head included ((*Runner).JointsTo), and its
//     exact gait ((*Runner).Gait), timed by the mocap truth's 5 mm rule.
//     Deterministic: a config gives one run.
//   - Scenes (NewSprintScene): joint centres resampled to the camera rate
//     with Catmull–Rom cubics (or the runner's, with Run Procedural, at
//     the frame times), copied into adjacent lanes with time shifts,
//     filmed by a rig of broadcast-like cameras (NewRig), with seeded 2D
//     detection errors: Gaussian pixel noise, missed keypoints, left/right
//     swaps, outlier jumps, and scores.
//   - Metrics: MPJPE, CompareGait (speed, contacts, step lengths),
//     IDSwitches and AssociationPrecision.
//
// docs/bench.md gives the rules in full with the figures they give on the
// three runs and on the runner.
//
// # Ownership and goroutines
//
// A Scene is a plain value owned by its caller; nothing in the package
// keeps state. A Runner does not change once built and may be used from
// several goroutines. NewSprintScene draws all its randomness from one generator
// seeded by SceneConfig.Seed in a fixed order, so a config gives one scene.
// Functions may be called from several goroutines on different values.
//
// # Scoring honestly
//
// Detection.Athlete and Detection.Swapped are the truth, for scorers only:
// a pipeline under test reads Keypoints and nothing else. Joints the
// markers cannot give (the head, from the mocap) are NaN in the truth and
// never detected (score 0).
package bench
