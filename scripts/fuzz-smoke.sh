#!/usr/bin/env bash
# A short cargo-fuzz run of every target in fuzz/: the alarm parser, the vendor-date parser, the
# Register of Information CSV reader and the classifier's argument resolution. Fails on the first
# crash (a panic, an assertion, a sanitizer finding) and leaves its input in fuzz/artifacts/.
#
#   scripts/fuzz-smoke.sh                 every target, FUZZ_SECONDS (default 15) each
#   FUZZ_SECONDS=300 scripts/fuzz-smoke.sh vendor_date    a longer hunt on one target
#   FUZZ_RUNS=2000 scripts/fuzz-smoke.sh  a fixed number of inputs per target instead of a time
#
# Needs rustup's nightly toolchain (cargo-fuzz builds with -Zsanitizer): installs it with rustup
# (profile minimal) and cargo-fuzz from crates.io when they are missing. FUZZ_SECONDS=0 skips
# fuzzing, saying so. Build output goes to fuzz/target. The committed seeds in
# fuzz/corpus/<target> are copied to fuzz/target/corpus/<target> and fuzzed there, so a run never
# changes fuzz/corpus; the working corpus is kept between runs and grows with them.
#
# libpython: the core depends on pyo3, which links libpython into every binary (as for
# `cargo test`). The script points pyo3 at the project's interpreter (PYO3_PYTHON, default
# .venv/bin/python, else python3) and adds that interpreter's LIBDIR to LD_LIBRARY_PATH, so the
# fuzz binaries start even where libpython is not in the loader's default path (pyenv, a
# non-system build).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
FUZZ="$ROOT/fuzz"
SECONDS_PER_TARGET=${FUZZ_SECONDS:-15}
TOOLCHAIN=${FUZZ_TOOLCHAIN:-nightly}
ALL_TARGETS=(alarm_parse vendor_date register_csv classify_args)
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL_TARGETS[@]}")

# The nightly toolchain is installed here when rustup can fetch it, as `rust-toolchain` files make
# rustup do for a project; where it cannot (offline, no rustup), fuzzing stops with the way out.
# Skipping fuzzing is never silent: FUZZ_SECONDS=0 says so and exits 0.
if [ "$SECONDS_PER_TARGET" = 0 ] && [ -z "${FUZZ_RUNS:-}" ]; then
    echo "fuzz-smoke: FUZZ_SECONDS=0: fuzzing skipped"
    exit 0
fi
if ! command -v rustup >/dev/null 2>&1; then
    echo "fuzz-smoke: cargo-fuzz needs rustup's $TOOLCHAIN toolchain and rustup is not installed; install rustup (https://rustup.rs), or skip fuzzing with FUZZ_SECONDS=0 (make test FUZZ_SECONDS=0)." >&2
    exit 1
fi
if ! rustup run "$TOOLCHAIN" rustc --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing the $TOOLCHAIN toolchain (rustup toolchain install $TOOLCHAIN --profile minimal)"
    if ! rustup toolchain install "$TOOLCHAIN" --profile minimal >&2; then
        echo "fuzz-smoke: the $TOOLCHAIN toolchain is missing and rustup could not install it (offline?); run \`rustup toolchain install $TOOLCHAIN --profile minimal\` where it can, or skip fuzzing with FUZZ_SECONDS=0 (make test FUZZ_SECONDS=0)." >&2
        exit 1
    fi
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz from crates.io"
    cargo install cargo-fuzz --locked --quiet
fi

if [ -z "${PYO3_PYTHON:-}" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYO3_PYTHON="$ROOT/.venv/bin/python"; else PYO3_PYTHON=$(command -v python3); fi
fi
export PYO3_PYTHON
PY_LIBDIR=$("$PYO3_PYTHON" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
export LD_LIBRARY_PATH="${PY_LIBDIR}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

cd "$FUZZ"
mkdir -p target
for target in "${TARGETS[@]}"; do
    case " ${ALL_TARGETS[*]} " in
        *" $target "*) ;;
        *) echo "fuzz-smoke: no target $target; the targets are: ${ALL_TARGETS[*]}" >&2; exit 2 ;;
    esac
done
# Release with debug assertions (integer overflow panics too) and AddressSanitizer; one build,
# of the one target asked for or of them all.
build=(cargo "+$TOOLCHAIN" fuzz build --debug-assertions)
[ ${#TARGETS[@]} -ne 1 ] || build+=("${TARGETS[0]}")
if ! "${build[@]}" >target/fuzz-build.log 2>&1; then
    cat target/fuzz-build.log >&2
    echo "fuzz-smoke: building the fuzz targets failed" >&2
    exit 1
fi

failed=0
for target in "${TARGETS[@]}"; do
    work="$FUZZ/target/corpus/$target"
    mkdir -p "$work" "$FUZZ/artifacts/$target"
    cp -n "$FUZZ/corpus/$target"/* "$work"/ 2>/dev/null || true
    log="$FUZZ/target/fuzz-$target.log"
    limit=(-max_total_time="$SECONDS_PER_TARGET")
    [ -z "${FUZZ_RUNS:-}" ] || limit=(-runs="$FUZZ_RUNS")
    status=0
    cargo "+$TOOLCHAIN" fuzz run --debug-assertions "$target" "$work" -- \
        "${limit[@]}" -max_len=65536 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    corpus=$(find "$work" -type f | wc -l)
    if [ "$status" -eq 0 ]; then
        printf '%-14s ok      %10s executions, corpus %s inputs\n' "$target" "${execs:-?}" "$corpus"
    else
        failed=1
        crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
        printf '%-14s FAILED  %10s executions, exit %s; input: %s\n' "$target" "${execs:-?}" "$status" "${crash:-see log}"
        grep -m1 -E "panicked at|ERROR: (AddressSanitizer|libFuzzer)" -A3 "$log" | sed 's/^/    /' || true
        echo "    full log: $log; reproduce: (cd fuzz && cargo +$TOOLCHAIN fuzz run --debug-assertions $target ${crash:-<input>})"
    fi
done
exit "$failed"
