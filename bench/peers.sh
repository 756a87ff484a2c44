#!/usr/bin/env bash
# Side-by-side bulk bench: anonflow (basic profile), cp -r and the peer de-identifiers of
# ../shared/peers that are installed, on the same corpus, in one run. `anon bench --peers CORPUS`
# runs this script; it is the one command that reproduces bench/README.md's peer comparison.
#
#   bench/peers.sh CORPUS [N]          N timed rounds (default 3) after WARMUP warm-up rounds (default 1)
#
# Contenders are interleaved: each round runs every contender once, and the first contender
# rotates from round to round, so background load hits all of them about equally. Reported per
# contender: median wall seconds, files/s and MiB/s over the corpus, median CPU seconds (user+sys)
# and CPU ms per file, peak RSS (GNU time: the largest single process, for multi-process peers;
# anonflow's worker threads are in its one process), the number of files written, the exit codes,
# and the ratios wall/anonflow and wall/cp. A peer whose tools or script are missing is listed as
# missing, not a failure.
#
# Environment: PEERS_DIR (default ../shared/peers beside the repo), ONLY="cp gdcmanon dcmtk"
# (the default; ONLY=all adds every script in PEERS_DIR, Orthanc and PixelMed included; anonflow
# is always run), ANON_THREADS (passed to anon run --threads), TMPDIR (output), ANON_BASE=DIR: also
# time another anonflow build (a copy of an older commit's dist/ and bin/, with node_modules
# beside them) as contender "anon-base", interleaved like the others.
# Needs a built anonflow (npm run build) and GNU time (Debian package `time`).
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
CORPUS=${1:?usage: bench/peers.sh CORPUS [N]}
N=${2:-3}
WARMUP=${WARMUP:-1}
CORPUS=$(cd "$CORPUS" && pwd)
PEERS_DIR=${PEERS_DIR:-$REPO/../shared/peers}
[ -d "$PEERS_DIR" ] && PEERS_DIR=$(cd "$PEERS_DIR" && pwd)
ONLY=${ONLY:-cp gdcmanon dcmtk}
GNUTIME=$(type -P time || true)
[ -n "$GNUTIME" ] || { echo "GNU time not found (apt-get install time)" >&2; exit 2; }
[ -f "$REPO/dist/src/cli/main.js" ] || { echo "anonflow is not built: npx tsc -p tsconfig.json" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/peers-bench.XXXXXX")
cleanup() { rm -rf -- "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# anonflow as a "peer script": IN OUT, fixed secret (no per-user secret is created).
cat > "$WORK/anonflow.sh" <<EOF
#!/usr/bin/env bash
set -euo pipefail
rm -rf -- "\$2" "$WORK/anon-report"
ANON_SECRET=peers-bench-fixed-secret-0123456789 exec node "$REPO/bin/anon" run "\$1" --out "\$2" \
  --profile basic --quiet --report-dir "$WORK/anon-report" ${ANON_THREADS:+--threads $ANON_THREADS}
EOF
# cp -r, the I/O floor, needs no peer script.
cat > "$WORK/cp.sh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
rm -rf -- "$2" && mkdir -p -- "$2" && exec cp -r -- "$1"/. "$2"/
EOF

# Why a peer cannot run here (empty: it can).
missing() {
  case $1 in
    cp) type -P cp >/dev/null || echo "cp not found" ;;
    gdcmanon) type -P gdcmanon >/dev/null && type -P openssl >/dev/null || echo "gdcmanon/openssl not found (apt-get install libgdcm-tools openssl)" ;;
    dcmtk) type -P dcmodify >/dev/null || echo "dcmodify not found (apt-get install dcmtk)" ;;
    pixelmed) type -P java >/dev/null && { [ -n "${PIXELMED_JAR:-}" ] || dpkg -L libpixelmed-java 2>/dev/null | grep -q '/pixelmed\.jar$'; } || echo "java/pixelmed.jar not found (apt-get install pixelmed-apps)" ;;
    orthanc) type -P Orthanc >/dev/null && type -P python3 >/dev/null || echo "Orthanc not found (apt-get install orthanc)" ;;
    *) ;;
  esac
}

NAMES=(anonflow)
SCRIPTS=("$WORK/anonflow.sh")
if [ -n "${ANON_BASE:-}" ]; then
  [ -f "$ANON_BASE/bin/anon" ] || { echo "ANON_BASE=$ANON_BASE holds no bin/anon" >&2; exit 2; }
  sed "s#$REPO/bin/anon#$(cd "$ANON_BASE" && pwd)/bin/anon#" "$WORK/anonflow.sh" > "$WORK/anon-base.sh"
  NAMES+=(anon-base); SCRIPTS+=("$WORK/anon-base.sh")
fi
MISSING=()
# the peers asked for: ONLY's names, or with ONLY=all every script in PEERS_DIR
if [ "$ONLY" = all ]; then
  WANT=(cp)
  for s in "$PEERS_DIR"/*.sh; do [ -e "$s" ] && WANT+=("$(basename "$s" .sh)"); done
else
  read -r -a WANT <<< "$ONLY"
fi
for name in "${WANT[@]}"; do
  case $name in lib|bench_time|anonflow) continue ;; esac
  if [ "$name" = cp ]; then script="$WORK/cp.sh"; else script="$PEERS_DIR/$name.sh"; fi
  why=$(missing "$name")
  [ -n "$why" ] || [ -f "$script" ] || why="no peer script $name.sh in $PEERS_DIR"
  if [ -n "$why" ]; then MISSING+=("$name: $why"); echo "missing $name: $why" >&2; continue; fi
  [[ " ${NAMES[*]} " == *" $name "* ]] && continue
  NAMES+=("$name"); SCRIPTS+=("$script")
done

files=$(find "$CORPUS" -type f | wc -l)
bytes=$(find "$CORPUS" -type f -printf '%s\n' | awk '{s+=$1} END{print s+0}')
mib=$(awk -v b="$bytes" 'BEGIN{printf "%.1f", b/1048576}')
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] || commit="$commit+changes"
cpu=$(awk -F': ' '/^model name/{print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
load_start=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
echo "corpus: $CORPUS: $files files, $mib MiB; $N rounds after $WARMUP warm-up" >&2

# One timed run: appends "wall cpu rss_kib rc written" to $WORK/<name>.runs (or .warm).
run_one() {
  local i=$1 dest=$2 out="$WORK/out-${NAMES[$1]}"
  rm -rf -- "$out"
  "$GNUTIME" -f '%e %U %S %M %x' -o "$WORK/time.log" bash "${SCRIPTS[$i]}" "$CORPUS" "$out" >"$WORK/${NAMES[$i]}.log" 2>&1 || true
  local wall usr sys rss rc written
  read -r wall usr sys rss rc < <(tail -1 "$WORK/time.log")
  written=$(find "$out" -type f ! -name .peer-output 2>/dev/null | wc -l)
  rm -rf -- "$out"
  echo "$wall $(awk -v u="$usr" -v s="$sys" 'BEGIN{print u+s}') $rss $rc $written" >> "$WORK/${NAMES[$i]}.$dest"
  printf '%-9s %-9s wall=%6.2fs rc=%s written=%s\n' "$dest" "${NAMES[$i]}" "$wall" "$rc" "$written" >&2
}

count=${#NAMES[@]}
for round in $(seq $((1 - WARMUP)) "$N"); do
  for k in $(seq 0 $((count - 1))); do
    i=$(( (k + round + WARMUP) % count ))
    if [ "$round" -le 0 ]; then run_one "$i" warm; else run_one "$i" runs; fi
  done
done

# median of column C of a file
med() { awk -v c="$2" '{print $c}' "$1" | sort -g | awk '{a[NR]=$1} END{if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

anon_wall=$(med "$WORK/anonflow.runs" 1)
cp_wall=""
[ -f "$WORK/cp.runs" ] && cp_wall=$(med "$WORK/cp.runs" 1)
echo "corpus: $CORPUS: $files files, $mib MiB; median of $N rounds after $WARMUP warm-up, interleaved"
echo "commit $commit; $(nproc) cores${cpu:+, $cpu}, $(uname -sm), node $(node -v); $(date -u +%Y-%m-%dT%H:%MZ); load average $load_start at start, $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') at end"
printf '%-10s %7s %8s %8s %7s %8s %7s %9s %8s %10s %8s\n' contender wall_s files/s MiB/s cpu_s cpu_ms/f rss_MiB written exit x_anon x_cp
for i in "${!NAMES[@]}"; do
  n=${NAMES[$i]}; f="$WORK/$n.runs"
  w=$(med "$f" 1); c=$(med "$f" 2); r=$(med "$f" 3); wr=$(med "$f" 5)
  rcs=$(awk '{print $4}' "$f" | sort -u | paste -sd, -)
  awk -v n="$n" -v w="$w" -v c="$c" -v r="$r" -v wr="$wr" -v rc="$rcs" -v files="$files" -v mib="$mib" -v a="$anon_wall" -v cp="$cp_wall" 'BEGIN{
    xcp = (cp == "" ? "-" : sprintf("%.2f", w / cp));
    printf "%-10s %7.2f %8.1f %8.1f %7.2f %8.2f %7.0f %9d %8s %10.2f %8s\n", n, w, files / w, mib / w, c, 1000 * c / files, r / 1024, wr, rc, w / a, xcp }'
done
for m in "${MISSING[@]}"; do echo "missing    $m"; done
echo "wall_s, cpu_s, rss: medians of $N runs; x_anon = wall / anonflow wall; x_cp = wall / cp wall; written: files in OUT" >&2
