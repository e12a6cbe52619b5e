# Makefile -- the short names for kairos's CMake builds.
#
#   make            build build/kairos and libkairos (RelWithDebInfo)
#   make demo       build, then backtest sma_cross 50/200 on the bundled S&P
#                   500 data into results/sma_cross (open report.html)
#   make test       build and run the whole test suite (ctest); installs the
#                   TA-Lib oracle of the indicator tests first if missing
#                   (npm ci --prefix tests/ta/oracle), and playwright-core
#                   for the report's browser test (tests/report/browser)
#   make sanitize   the test suite again under ASan + UBSan (clang), in build-asan/
#   make fuzz       libFuzzer targets for FUZZ_SECONDS each (clang), in build-fuzz/
#   make bench      release build with -march=native, runs every benchmark,
#                   one JSON object per line on stdout
#   make docs       regenerate the docs made from code tables (indicators)
#   make deps       install the Debian packages kairos needs (root or sudo)

JOBS         ?= $(shell nproc 2>/dev/null || echo 2)
BUILD        ?= build
CMAKE_FLAGS  ?=
FUZZ_SECONDS ?= 60
CC_CLANG     ?= clang

.PHONY: all build demo test sanitize fuzz bench docs deps clean

all: build

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/kairos backtest --data data/sp500.csv \
	    --strategy sma_cross:fast=50,slow=200 --out results/sma_cross

# The indicator tests compare against TA-Lib run by node (tests/ta/oracle).
# A stamp of our own: npm gives the files it unpacks a fixed old mtime.
ORACLE = tests/ta/oracle/node_modules/.installed

$(ORACLE): tests/ta/oracle/package-lock.json
	npm ci --prefix tests/ta/oracle --no-audit --no-fund
	touch $@

# The report test opens report.html in Chromium through playwright-core.
BROWSER = tests/report/browser/node_modules/.installed

$(BROWSER): tests/report/browser/package-lock.json
	npm ci --prefix tests/report/browser --no-audit --no-fund
	touch $@

test: build $(ORACLE) $(BROWSER)
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

sanitize: $(ORACLE) $(BROWSER)
	cmake -S . -B build-asan -DCMAKE_C_COMPILER=$(CC_CLANG) \
	      -DCMAKE_BUILD_TYPE=Debug -DKR_SANITIZE=ON -DKR_BENCH=OFF
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    ctest --output-on-failure -j $(JOBS)

fuzz:
	cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=$(CC_CLANG) \
	      -DCMAKE_BUILD_TYPE=Debug -DKR_SANITIZE=ON -DKR_FUZZ=ON -DKR_BENCH=OFF
	cmake --build build-fuzz -j $(JOBS)
	@for f in build-fuzz/tests/fuzz_*; do \
	    case $$f in *_replay) continue;; esac; \
	    name=$$(basename $$f); corpus=tests/fuzz/corpus/$${name#fuzz_}; \
	    mkdir -p build-fuzz/corpus-$$name; \
	    echo "fuzzing $$name for $(FUZZ_SECONDS)s"; \
	    $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -rss_limit_mb=4096 \
	        -print_final_stats=1 build-fuzz/corpus-$$name $$corpus || exit 1; \
	done

bench:
	cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DKR_NATIVE=ON \
	      -DKR_TESTS=OFF
	cmake --build build-bench -j $(JOBS)
	@bash bench/run.sh build-bench

docs: build
	./scripts/gen-docs $(BUILD)/kairos

deps:
	./scripts/install-deps

clean:
	rm -rf $(BUILD) build-asan build-fuzz build-bench
