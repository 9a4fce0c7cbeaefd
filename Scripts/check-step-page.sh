#!/usr/bin/env bash
# Checks the step-through page (`backprop explain ID --html FILE`) in a real browser:
# generates the page, loads it in headless Chromium at several steps (via ?step=N and
# via ?press=N, which presses → N times through the page's own key handler), checks
# the rendered DOM shows the right step and a highlighted node, and takes screenshots.
#
#   Scripts/check-step-page.sh [ID] [OUTDIR]     (defaults: sigmoid-222-lr06, .build/step-page-check)
#
# Exits 0 with "skipped: chromium not installed" when no Chromium is found. No network:
# the page is a local file and Chromium runs with networking features off and a
# throw-away profile; every browser run has a timeout.
set -euo pipefail
cd "$(dirname "$0")/.."
ID="${1:-sigmoid-222-lr06}"
OUT="${2:-.build/step-page-check}"

BROWSER=""
for candidate in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$candidate" >/dev/null 2>&1; then BROWSER="$(command -v "$candidate")"; break; fi
done
if [ -z "$BROWSER" ]; then
    echo "skipped: chromium not installed"
    exit 0
fi

mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
PROFILE="$(mktemp -d)"
trap 'rm -rf "$PROFILE"' EXIT

timeout 1200 swift build --product backprop >/dev/null
PAGE="$OUT/$ID.html"
SUMMARY="$(timeout 120 swift run --skip-build backprop explain "$ID" --html "$PAGE")"
echo "$SUMMARY"
NODES="$(echo "$SUMMARY" | sed -n 's/.*: \([0-9]*\) nodes, .*/\1/p')"
TOTAL=$((2 * NODES))

browser() {
    timeout 90 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
        --disable-extensions --disable-background-networking --disable-component-update --disable-sync \
        --disable-default-apps --user-data-dir="$PROFILE" --hide-scrollbars --window-size=1200,800 \
        --virtual-time-budget=3000 "$@" 2>/dev/null
}

failures=0
check() {   # check QUERY EXPECTED_STEP NAME
    local query="$1" step="$2" name="$3"
    local dom
    dom="$(browser --dump-dom "file://$PAGE?$query" || true)"
    # Here-strings, not `echo | grep -q`: with pipefail, grep -q closing the pipe early fails the pipeline.
    if grep -q "Step $step of $TOTAL:" <<<"$dom" && grep -q 'class="node[^"]*active' <<<"$dom"; then
        echo "ok: ?$query shows step $step of $TOTAL with the active node highlighted"
    else
        echo "FAIL: ?$query does not show step $step of $TOTAL"
        failures=$((failures + 1))
    fi
    browser --screenshot="$OUT/$name.png" "file://$PAGE?$query" >/dev/null || true
    if [ -s "$OUT/$name.png" ]; then echo "    screenshot: $OUT/$name.png"; else echo "FAIL: no screenshot for ?$query"; failures=$((failures + 1)); fi
}

check "step=1" 1 "01-first-leaf"
check "press=3" 4 "02-after-three-right-arrows"
check "step=$NODES" "$NODES" "03-forward-output"
check "step=$((NODES + 1))" "$((NODES + 1))" "04-backward-seed"
check "step=$((NODES + NODES / 3))" "$((NODES + NODES / 3))" "05-backward-middle"
check "step=$TOTAL" "$TOTAL" "06-backward-last-leaf"
check "step=$TOTAL&press=5" "$TOTAL" "07-clamped-at-the-end"

if [ "$failures" -gt 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "all checks passed; page: $PAGE"
