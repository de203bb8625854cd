module github.com/athlete3d/athlete3d

go 1.24

require (
	github.com/yalue/onnxruntime_go v1.27.0 // indirect
	gocv.io/x/gocv v0.31.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
