#!/usr/bin/env bash
# The logic of the clawaudit GitHub Action (action.yml): install clawaudit, verify the
# inputs' paths, leave SARIF (and JUnit) files, append the Markdown summary to the job
# summary, and exit with clawaudit's code so that a FAIL (1) or an error (2) fails the job.
#
# Environment, as GitHub gives it to a composite action's step: INPUT_PATHS (required),
# INPUT_TRUST, INPUT_AT, INPUT_SARIF, INPUT_JUNIT, INPUT_REPORT_DIR, INPUT_VERSION,
# GITHUB_ACTION_PATH (the action's checkout), RUNNER_TEMP, GITHUB_STEP_SUMMARY and
# GITHUB_OUTPUT. tests/report_action.rs runs this script with a fake of that environment.
set -euo pipefail

fail() {
  echo "clawaudit action: $*" >&2
  exit 2
}

: "${RUNNER_TEMP:?RUNNER_TEMP is not set}"
: "${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}"
[ -n "${INPUT_PATHS:-}" ] || fail "the input 'paths' is required"

# Install into the runner's temp dir. A binary already there (an earlier step of the same
# job, or a cache) is used when it is of the version asked for.
root="$RUNNER_TEMP/clawaudit"
bin="$root/bin/clawaudit"
version="${INPUT_VERSION:-}"
installed=""
if [ -x "$bin" ]; then
  installed="$("$bin" --version | awk '{print $2}')"
fi
if [ -z "$installed" ] || { [ -n "$version" ] && [ "$installed" != "$version" ]; }; then
  if [ -n "$version" ]; then
    cargo install --locked --quiet --root "$root" --version "$version" clawaudit
  else
    cargo install --locked --quiet --root "$root" --path "$GITHUB_ACTION_PATH"
  fi
fi

# Paths: one per line or separated by spaces (a path with a space needs its own line).
paths=()
if [[ "$INPUT_PATHS" == *$'\n'* ]]; then
  while IFS= read -r line; do
    [ -n "$line" ] && paths+=("$line")
  done <<< "$INPUT_PATHS"
else
  read -r -a paths <<< "$INPUT_PATHS"
fi
[ "${#paths[@]}" -gt 0 ] || fail "the input 'paths' names no path"

sarif="${INPUT_SARIF:-clawaudit.sarif}"
summary="$RUNNER_TEMP/clawaudit-summary.md"
args=(--sarif "$sarif" --markdown "$summary")
[ -n "${INPUT_TRUST:-}" ] && args+=(--trust "$INPUT_TRUST")
[ -n "${INPUT_AT:-}" ] && args+=(--at "$INPUT_AT")
[ -n "${INPUT_JUNIT:-}" ] && args+=(--junit "$INPUT_JUNIT")

rm -f "$summary"
code=0
if [ -n "${INPUT_REPORT_DIR:-}" ]; then
  "$bin" report "${args[@]}" -o "$INPUT_REPORT_DIR" -- "${paths[@]}" || code=$?
else
  "$bin" verify "${args[@]}" -- "${paths[@]}" || code=$?
fi

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -f "$summary" ]; then
    cat "$summary" >> "$GITHUB_STEP_SUMMARY"
  else
    printf '## clawaudit: ERROR\n\nNothing was judged (exit %s); the log says why.\n' "$code" >> "$GITHUB_STEP_SUMMARY"
  fi
fi
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "sarif=$sarif"
  } >> "$GITHUB_OUTPUT"
fi
exit "$code"
