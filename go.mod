module github.com/athlete3d/athlete3d

go 1.24.0

require (
	github.com/BurntSushi/toml v1.6.0
	github.com/gorilla/websocket v1.5.3
	github.com/yalue/onnxruntime_go v1.27.0
	gocv.io/x/gocv v0.31.0
	gonum.org/v1/gonum v0.17.0
	google.golang.org/protobuf v1.36.12
)
