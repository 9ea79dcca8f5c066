#!/bin/bash
# The fuzz campaign of fuzz/README.md: each named target (default: all) for SECS seconds on both
# cores (-jobs=2 -workers=2), from its committed corpus, at low priority, then its corpus
# minimised into target/fuzz-campaign/<target>/min (the merge `cargo fuzz cmin` runs).
#
#   cargo +nightly fuzz build -O
#   scripts/fuzz_campaign.sh 1800 json_parse trust_file
#
# Per target it leaves the libFuzzer logs (fuzz-0.log, fuzz-1.log: the last `#N DONE cov: …`
# line and the final stats), /usr/bin/time's figures (time.txt) and any artifacts (crashes,
# timeouts, OOMs) in target/fuzz-campaign/<target>/. A file /tmp/fuzz-campaign.pause makes it
# wait before the next target (to measure something on a quiet machine in between).
set -euo pipefail
secs=${1:?usage: fuzz_campaign.sh SECS [target...]}
shift
cd "$(dirname "$0")/.."
root=$PWD
bin=$root/fuzz/target/x86_64-unknown-linux-gnu/release
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
# Low priority for the whole scheduler group, not only the processes (with autogroups, nice
# alone does not yield to other sessions).
echo 19 > /proc/self/autogroup 2>/dev/null || true
for t in "${targets[@]}"; do
  while [ -e /tmp/fuzz-campaign.pause ]; do sleep 10; done
  case $t in
    audit_container|zip_differential) dict=fuzz/dict/zip.dict ;;
    json_parse|jss_jcs_roundtrip|trust_file) dict=fuzz/dict/json.dict ;;
    *) dict=fuzz/dict/clawsig.dict ;;
  esac
  run=$root/target/fuzz-campaign/$t
  rm -rf "$run"
  mkdir -p "$run/corpus" "$run/artifacts" "$run/min"
  cp fuzz/corpus/"$t"/* "$run/corpus/"
  echo "$t: start $(date -u +%FT%TZ), $(ls "$run/corpus" | wc -l) seeds, commit $(git rev-parse --short HEAD)"
  ( cd "$run" && nice -n 19 /usr/bin/time -f "%e s wall, %U s user, %S s sys, %M KB" -o time.txt \
      "$bin/$t" -jobs=2 -workers=2 corpus -dict="$root/$dict" -max_total_time="$secs" \
      -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 -artifact_prefix="$run/artifacts/" > main.log 2>&1 ) || true
  "$bin/$t" -merge=1 -rss_limit_mb=2048 -timeout=30 "$run/min" "fuzz/corpus/$t" "$run/corpus" > "$run/merge.log" 2>&1
  for log in "$run"/fuzz-*.log; do grep -E '^#[0-9]+' "$log" | tail -1; done
  echo "$t: end $(date -u +%FT%TZ); $(cat "$run/time.txt" | tail -1); written $(ls "$run/corpus" | wc -l), minimised $(ls "$run/min" | wc -l); artifacts: $(ls "$run/artifacts" | wc -l)"
done
