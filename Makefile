# The two commands of README.md: `make run` and `make test`. Both install what is missing first.
BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=
# pybind11 and pytest must use Debian's interpreter, not a pyenv python3 that may come first.
PYTHON     := /usr/bin/python3

.PHONY: all deps peers web configure build run test test-sanitize bench format clean

all: build

deps:
	@scripts/install-deps.sh

# npm test peers (s3rver, ganache, solc, ethers, siwe, tus-js-client), pinned by a lockfile.
peers: deps
	@scripts/install-test-peers.sh

# Browser libraries of the web app (hls.js, tus-js-client), pinned by web/package-lock.json; the
# build copies them into $(BUILD_DIR)/share/streamgate/web.
web: deps
	@scripts/install-web-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	  -DPython3_EXECUTABLE=$(PYTHON) $(CMAKE_ARGS) > $(BUILD_DIR).configure.log 2>&1 \
	  || { cat $(BUILD_DIR).configure.log; exit 1; }

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# Starts the monolith on embedded defaults (port 8080, ./data). Ctrl-C stops it gracefully.
run: web build
	@mkdir -p data
	exec $(BUILD_DIR)/services/streamgate/streamgate

test: web build peers
	@ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS) --timeout 600

# The same tests built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-sanitize:
	@$(MAKE) test BUILD_DIR=build-sanitize BUILD_TYPE=Debug CMAKE_ARGS="-DSTREAMGATE_SANITIZE=ON"

bench: build
	@benchmarks/run_all.sh $(BUILD_DIR)

format:
	@clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD_DIR) build-sanitize
