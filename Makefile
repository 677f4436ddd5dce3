# The two commands a newcomer needs:
#   make run   installs what is missing, builds, and starts an edge node
#              serving examples/hello on http://127.0.0.1:8080
#   make test  installs what is missing, builds, and runs every test
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: all setup configure build test test-asan run dev clean

all: build

setup:
	@scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j2
	$(MAKE) test-asan

# The unit tests (no integration tests) again under AddressSanitizer and
# UBSan: the `asan` preset of CMakePresets.json, in build-asan/.
ASAN_TESTS = verge_storage_tests verge_http_tests verge_html_tests verge_websocket_tests verge_cache_tests verge_unit_tests
test-asan: setup
	@test -f build-asan/build.ninja || cmake --preset asan
	cmake --build build-asan --target $(ASAN_TESTS)
	cd build-asan && ctest --output-on-failure -j2 -E '^(integration|js|wpt)\.'

run: build
	$(BUILD)/verge serve --config examples/node.toml

dev: build
	$(BUILD)/verge dev examples/hello

clean:
	rm -rf $(BUILD) build-asan
