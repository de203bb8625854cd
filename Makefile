# athlete3d: `make demo` runs the main job, `make test` runs the tests.
# Both first run `make setup`, which installs what is missing and is quick
# when everything is there.

GO         ?= go
BIN        := bin/athlete3d
DEBS       := pkg-config libopencv-dev libopencv-contrib-dev opencv-doc chromium
DEMO_VIDEO := /usr/share/doc/opencv-doc/examples/data/vtest.avi
# Tested with the race detector: the pure-Go packages, and the grabbers
# (their goroutines are the point). The pose stage's race run would repeat
# a minute of inference for little: its concurrency is tested without it.
RACE       := ./skeleton ./calibration ./calibration/solve ./internal/progress ./internal/metrics ./internal/atomicfile \
              ./pipeline ./pipeline/fusion ./pipeline/kinematics ./pipeline/record ./pipeline/capture \
              ./bench ./models ./models/onnx ./models/tfjs ./overlay ./overlay/burnin ./pipeline/synthetic
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup debs build test demo goldens clean

## setup: Debian packages, the binary, then the pinned npm artifacts and converted models in the cache
setup: build
	$(BIN) models setup

debs:
	@missing=$$(for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:" $$missing; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends $$missing; \
	fi

build: debs
	$(GO) build -o $(BIN) ./cmd/athlete3d

## test: formatting, vet, race tests, then every test with the models required
test: setup
	@unformatted=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" $$unformatted; exit 1; fi
	$(GO) vet ./...
	CGO_ENABLED=1 $(GO) test -race $(RACE)
	ATHLETE3D_REQUIRE_MODELS=1 $(GO) test -timeout 20m ./...

## demo: the whole pipeline on the virtual rig, then the pose step on real pedestrians (Debian's OpenCV sample video)
demo: setup
	@mkdir -p out
	$(BIN) run --config examples/synthetic.toml
	@echo "wrote out/synthetic.jsonl (3D athletes, speeds and foot events per frame)"
	$(BIN) pose --video $(DEMO_VIDEO) --json --draw out/demo.avi > out/demo.jsonl
	@echo "wrote out/demo.avi (annotated video) and out/demo.jsonl (keypoints per frame)"

## goldens: regenerate the TF.js reference outputs (see models/tfjs/testdata/golden/README.md)
goldens: setup
	cache=$$($(BIN) models cachedir) && \
	npm install --silent --no-save --prefix "$$cache/node" @tensorflow/tfjs@4.22.0 && \
	cd models/tfjs/testdata/golden && ATHLETE3D_CACHE="$$cache" node generate.mjs

clean:
	rm -rf bin out
