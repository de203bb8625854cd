module github.com/athlete3d/athlete3d

go 1.24.0

require (
	github.com/BurntSushi/toml v1.6.0 // indirect
	github.com/yalue/onnxruntime_go v1.27.0 // indirect
	gocv.io/x/gocv v0.31.0 // indirect
	gonum.org/v1/gonum v0.17.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
