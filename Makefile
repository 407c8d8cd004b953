# paygate: the two commands are `make run` and `make test`; `make check` is the quick loop while
# developing. The rest are their parts. Build directories and options are the presets of
# CMakePresets.json (build/<preset>), so an IDE or `cmake --preset` sees the same builds.
.PHONY: all deps build build-bin build-debug build-asan build-tsan build-tsan-threaded build-fuzz \
        run test check test-tsan bench clean interop-deps

JOBS ?= $(shell nproc)
export CCACHE_DIR ?= $(HOME)/.cache/paygate-ccache
# Cache hits across clones in different directories (CI builds a fresh clone each time).
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= true

# $(call configure,preset): configure build/<preset> quietly.
configure = cmake --preset $(1) >/dev/null

all: build

deps:
	@./scripts/deps.sh

build: deps
	@$(call configure,release)
	@cmake --build --preset release -j $(JOBS)

build-bin: deps
	@$(call configure,release)
	@cmake --build --preset release -j $(JOBS) --target paygate paygate-uring mockpay

build-debug: deps
	@$(call configure,debug)
	@cmake --build --preset debug -j $(JOBS)

build-asan: deps
	@$(call configure,asan)
	@cmake --build --preset asan -j $(JOBS)

# The TSan preset defines BOOST_ASIO_DISABLE_FENCED_BLOCK: GCC refuses (-Werror=tsan) the
# std::atomic_thread_fence in Asio's fenced blocks, which TSan cannot see anyway; Asio's
# cross-thread hand-offs go through its scheduler mutex, which it can.
build-tsan: deps
	@$(call configure,tsan)
	@cmake --build --preset tsan -j $(JOBS)

# The unit tests whose code crosses threads (declared THREADED in tests/unit/*/CMakeLists.txt).
build-tsan-threaded: deps
	@$(call configure,tsan)
	@cmake --build --preset tsan -j $(JOBS) --target threaded_tests

# Libraries get ASan + coverage; UBSan only on the fuzz entry points, because clang 14 cannot
# combine UBSan with coverage instrumentation on coroutine code ("difference across sections").
build-fuzz: deps
	@$(call configure,fuzz)
	@cmake --build --preset fuzz -j $(JOBS)

run: build-bin
	@./scripts/run-demo.sh

# node + the pinned npm WeChat Pay client for tests/integration/test_interop.py (npm ci, once).
interop-deps:
	@./scripts/interop-deps.sh

# The full gate (.ci/run): the layering check, unit tests under ASan+UBSan, integration and
# interop tests on the Release binaries, the threaded unit tests under TSan, then a short
# libFuzzer smoke run of each fuzz target.
test: build-bin build-asan build-fuzz build-tsan-threaded interop-deps
	@./scripts/test.sh

# The quick loop: the layering check, then unit and integration tests on the Release build
# (no sanitizers, no fuzzing).
check: build interop-deps
	@./scripts/test.sh --quick

test-tsan: build-tsan
	@cd build/tsan && ctest -L unit --output-on-failure -j $(JOBS)

bench: build
	@./scripts/deps.sh --bench
	@./bench/proxy.sh

clean:
	rm -rf build
