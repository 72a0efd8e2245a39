#!/usr/bin/env bash
# The one-shot GPU check (docs/GPU.md). `cargo xtask gpu-check` copies this
# script into target/gpu-check/ beside the release binaries it runs; on the
# device machine:
#
#   bash target/gpu-check/run.sh [REPORT_DIR]     (default: $OUT, else ./gpu-check-report)
#
# Runs every check in checks.tsv with IREE_DEVICE=nvidia, each under its own
# time limit and all within DEADLINE seconds, continuing past failures, and
# writes REPORT_DIR/report.md (summary, driver and GPU, answers, variants,
# figures, each check's output) after every check, so a cut-off run still
# leaves a report; REPORT_DIR/log.txt has nvidia-smi's full output.
#
# GPU_CHECK_DEVICE=host rehearses the whole run on the CPU (the host
# platform), as `cargo xtask test` does: it checks this script and the
# binaries, not a GPU.
#
# Exit status: 0 every check passed; 1 some failed; 2 the folder is
# incomplete (a file missing or changed since the build); 3 no NVIDIA GPU is
# usable here (everything else was in place).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
report_dir=${1:-${OUT:-$PWD/gpu-check-report}}
deadline=${GPU_CHECK_DEADLINE:-270}
export IREE_DEVICE=${GPU_CHECK_DEVICE:-nvidia}
start=$SECONDS

mkdir -p "$report_dir" || exit 2
report=$report_dir/report.md
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/summary" && : >"$work/answers" && : >"$work/variants" && : >"$work/figures" && : >"$work/outputs"

# The answer lines of a program's output: iree-run-module's tensor format.
answers() { grep -E '^[0-9]+(x[0-9]+)*x[a-z0-9]+=' "$1" || true; }

write_report() {
    {
        echo "# GPU check report"
        echo
        echo "$1"
        echo
        echo '```'
        cat "$work/header"
        echo '```'
        echo
        echo "## Summary"
        echo
        echo "| check | result | seconds |"
        echo "| --- | --- | --- |"
        cat "$work/summary"
        echo
        echo "## Answers (device against the host platform's answer from the build)"
        echo
        echo '```'
        cat "$work/answers"
        echo '```'
        echo
        echo "## Variants loaded"
        echo
        echo '```'
        cat "$work/variants"
        echo '```'
        echo
        echo "## Figures"
        echo
        echo '```'
        cat "$work/figures"
        echo '```'
        echo
        echo "## Output of each check"
        cat "$work/outputs"
    } >"$report"
}

# 1. Everything in place, unchanged since the build.
if ! (cd "$here" && sha256sum --quiet --strict -c SHA256SUMS) >"$work/sums" 2>&1; then
    echo "gpu-check: $here is incomplete or changed since \`cargo xtask gpu-check\` built it:" >&2
    cat "$work/sums" >&2
    echo "rebuild it with \`cargo xtask gpu-check\` and carry the whole folder" >&2
    exit 2
fi
files=$(wc -l <"$here/SHA256SUMS")

# 2. The machine: driver and GPU.
{
    echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host: $(uname -srm)"
    echo "IREE_DEVICE=$IREE_DEVICE"
    sed -n '1,3p' "$here/BUILD.txt"
    if command -v nvidia-smi >/dev/null; then
        nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv 2>&1
    else
        echo "nvidia-smi: not on PATH"
    fi
} >"$work/header"
if command -v nvidia-smi >/dev/null; then nvidia-smi >"$report_dir/log.txt" 2>&1; fi

# 3. The gate: a GPU the runtime can open.
probe() {
    probe_status=0
    timeout 60 "$here/bin/gpu-bench" probe >"$work/probe" 2>&1 || probe_status=$?
}
probe
# A driver the loader does not list (a container's mounted driver folder):
# name it to the runtime and look again.
if [ "$probe_status" -eq 3 ] && [ "$IREE_DEVICE" = nvidia ] && [ -z "${IREE_NVIDIA_LIBRARY:-}" ]; then
    for d in /usr/local/nvidia/lib64 /usr/local/nvidia/lib /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib; do
        if [ -e "$d/libcuda.so.1" ]; then
            export IREE_NVIDIA_LIBRARY=$d/libcuda.so.1
            echo "IREE_NVIDIA_LIBRARY=$IREE_NVIDIA_LIBRARY (libcuda.so.1 was not on the loader's path)" >>"$work/header"
            probe
            break
        fi
    done
fi
cat "$work/probe" >>"$work/header"
if [ "$probe_status" -ne 0 ]; then
    verdict="gpu-check: everything is in place ($files files, checksums verified), but no NVIDIA GPU is usable here (gpu-bench probe exited $probe_status): $(tail -n 1 "$work/probe")"
    write_report "$verdict"
    echo "$verdict" >&2
    echo "carry $here to a machine with an NVIDIA GPU and run it there (docs/GPU.md); report: $report" >&2
    exit 3
fi

# 4. The checks, one line each: name, seconds allowed (or `pending`), command.
failed=0
while IFS=$'\t' read -r name limit command; do
    [ -z "$name" ] && continue
    if [ "$limit" = pending ]; then
        echo "| $name | PENDING: $command | |" >>"$work/summary"
        continue
    fi
    left=$((deadline - (SECONDS - start)))
    if [ "$left" -le 5 ]; then
        echo "| $name | SKIPPED: the ${deadline}s deadline was reached | |" >>"$work/summary"
        failed=1
        continue
    fi
    [ "$limit" -gt "$left" ] && limit=$left
    out="$work/$name.out"
    t0=$SECONDS
    status=0
    # shellcheck disable=SC2086 # the command is words: program and arguments
    (cd "$here" && timeout "$limit" $command) >"$out" 2>&1 </dev/null || status=$?
    secs=$((SECONDS - t0))
    result=PASS
    if [ "$status" -eq 124 ]; then
        result="TIMEOUT after ${limit}s"
    elif [ "$status" -ne 0 ]; then
        result="FAIL (exit $status)"
    fi
    if [ -f "$here/expected/$name.txt" ]; then
        want=$(answers "$here/expected/$name.txt")
        got=$(answers "$out")
        if [ -n "$want" ]; then
            if [ "$want" != "$got" ]; then
                [ "$result" = PASS ] && result="WRONG ANSWER" || result="$result, WRONG ANSWER"
            fi
            printf '%s: %s\n    host: %s\n' "$name" "${got:-<none>}" "$want" >>"$work/answers"
        fi
    fi
    [ "$result" = PASS ] || failed=1
    echo "| $name | $result | $secs |" >>"$work/summary"
    grep -E '^(ran `|variant: )' "$out" | sed "s/^/$name: /" >>"$work/variants"
    grep -E '^figure: |( us per | GFLOP/s| GB/s)' "$out" | sed "s/^/$name: /" >>"$work/figures"
    # shellcheck disable=SC2016 # the backquotes are Markdown
    printf '\n### %s (%s)\n\n`%s`\n\n```\n%s\n```\n' "$name" "$result" "$command" "$(tail -c 20000 "$out")" >>"$work/outputs"
    write_report "Running: $((SECONDS - start))s so far."
done <"$here/checks.tsv"

if [ "$failed" -eq 0 ]; then
    verdict="gpu-check: every check passed in $((SECONDS - start))s."
else
    verdict="gpu-check: some checks failed or were cut off ($((SECONDS - start))s); see the summary."
fi
write_report "$verdict"
echo "$verdict report: $report"
exit "$failed"
