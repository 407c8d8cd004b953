# paygate: the two commands are `make run` and `make test`; the rest are their parts.
.PHONY: all deps build build-bin build-debug build-asan build-tsan build-fuzz run test test-unit-asan \
        test-release test-tsan fuzz-smoke bench clean interop-deps

JOBS ?= $(shell nproc)
CMAKE_GEN := $(shell command -v ninja >/dev/null 2>&1 && echo "-G Ninja")
export CCACHE_DIR ?= $(HOME)/.cache/paygate-ccache
# Cache hits across clones in different directories (CI builds a fresh clone each time).
export CCACHE_BASEDIR ?= $(CURDIR)
export CCACHE_NOHASHDIR ?= true

all: build

deps:
	@./scripts/deps.sh

build: deps
	@cmake -S . -B build/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/release -j $(JOBS)

build-bin: deps
	@cmake -S . -B build/release $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build/release -j $(JOBS) --target paygate paygate-uring mockpay

build-debug: deps
	@cmake -S . -B build/debug $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug >/dev/null
	@cmake --build build/debug -j $(JOBS)

build-asan: deps
	@cmake -S . -B build/asan $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug \
	  -DPAYGATE_SANITIZE=address,undefined -DPAYGATE_BENCH=OFF >/dev/null
	@cmake --build build/asan -j $(JOBS)

# GCC refuses (-Werror=tsan) the std::atomic_thread_fence in Asio's fenced blocks, which TSan
# cannot see anyway; Asio's cross-thread hand-offs go through its scheduler mutex, which it can.
TSAN_CMAKE := -DCMAKE_BUILD_TYPE=Debug -DPAYGATE_SANITIZE=thread -DPAYGATE_BENCH=OFF \
              -DCMAKE_CXX_FLAGS=-DBOOST_ASIO_DISABLE_FENCED_BLOCK
build-tsan: deps
	@cmake -S . -B build/tsan $(CMAKE_GEN) $(TSAN_CMAKE) >/dev/null
	@cmake --build build/tsan -j $(JOBS)

# The unit tests whose code crosses threads (metrics shards, logging, the notification
# committer, dispatchers and service), for make test.
TSAN_TESTS := unit_observe_registry_test unit_observe_access_log_test unit_observe_access_log_batch_test \
              unit_observe_logging_test \
              unit_steps_replay_guard_test unit_notify_threads_test
build-tsan-threaded: deps
	@cmake -S . -B build/tsan $(CMAKE_GEN) $(TSAN_CMAKE) >/dev/null
	@cmake --build build/tsan -j $(JOBS) --target $(TSAN_TESTS)

# Libraries get ASan + coverage; UBSan only on the fuzz entry points, because clang 14 cannot
# combine UBSan with coverage instrumentation on coroutine code ("difference across sections").
build-fuzz: deps
	@cmake -S . -B build/fuzz $(CMAKE_GEN) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++ \
	  -DPAYGATE_FUZZ=ON -DPAYGATE_BENCH=OFF -DPAYGATE_TESTS=ON \
	  -DPAYGATE_SANITIZE=address,fuzzer-no-link >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzz_all

run: build-bin
	@./scripts/run-demo.sh

# node + the pinned npm WeChat Pay client for tests/integration/test_interop.py (npm ci, once).
interop-deps:
	@./scripts/interop-deps.sh

# Unit tests under ASan+UBSan, integration and interop tests on the Release binaries, the
# threaded unit tests under TSan, then a short libFuzzer smoke run of each fuzz target.
test: build-bin build-asan build-fuzz build-tsan-threaded interop-deps
	@./scripts/test.sh

test-tsan: build-tsan
	@cd build/tsan && ctest -L unit --output-on-failure -j $(JOBS)

bench: build
	@./scripts/deps.sh --bench
	@./bench/proxy.sh

clean:
	rm -rf build
