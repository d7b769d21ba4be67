#!/usr/bin/env bash
# One run on a machine with an NVIDIA GPU (made for the device tool's H100: 16 cores, CUDA 13,
# python3 with torch, no internet, maybe no GoogleTest or stb installed). In about 150 s:
#   1 facts        date, GPU, driver, nvcc, torch / CUDA / cuDNN versions, cores
#   2 build        Release, -DCOLORIZE_CUDA=ON, sm_90, every target (tests, CLI, tools, benches)
#   3 ctest        the whole native suite; the engine tests now also run every op and the
#                  models on "cuda" against the CPU reference and the goldens
#   4 goldens      colorize-tensor --backend cpu|cuda --expect (scripts/test_engine_cuda.sh's
#                  checks, and models/*.onnx against models/golden where present)
#   5 cli-compare  `colorize --backend cuda` vs `--backend cpu` on committed photos, pixel by pixel
#   6 bench        scripts/bench_engine_cuda.py: engine CUDA vs PyTorch eager (cuDNN), same
#                  weights, 512x512, batch 1 and 16, fp32 and TF32: latency, images/s, peak memory
#   7 photo-12mp   the full path for a 12 MP photo (colorize --timings: read, decode, prepare,
#                  infer, finish, encode, write), cuda and cpu, cold (1st) and warm (2nd) input
# A failed step is logged and the next one runs; every command has a time limit, and the whole
# run keeps to DEVICE_CHECK_BUDGET seconds (default 150). Exit 0 only if every step passed.
#
# Before the run, on the development machine (Debian: packages googletest, libstb-dev) copy
# what the GPU machine may lack into the git-ignored .device/ (name both folders in the device
# tool's `carry`, not .device itself):
#   rm -rf .device/googletest .device/stb && mkdir -p .device/stb &&
#   cp -r /usr/src/googletest .device/googletest &&
#   cp /usr/include/stb/stb_image.h /usr/include/stb/stb_image_write.h .device/stb/
# Then, from the repository root (OUT: an empty folder whose contents come back):
#   OUT=/some/empty/folder bash scripts/device_cuda_check.sh
# Writes $OUT/cuda_check.log (everything printed), $OUT/bench.jsonl (one JSON object per
# benchmark configuration) and $OUT/summary.md (step results and the figures).
# Knobs: BUILD (build-device), JOBS (nproc), CUDA_ARCH (90), PYTHON (a python3 with torch),
# DEVICE_CHECK_BUDGET (150), DEVICE_CHECK_CMAKE_ARGS (extra configure arguments, e.g.
# -DCMAKE_DISABLE_FIND_PACKAGE_GTest=ON to try the GoogleTest-from-sources fallback),
# DEVICE_CHECK_DRY=1 (a rehearsal without a GPU: "cpu" where "cuda" would run, the benchmark
# with PyTorch on the CPU at 64x64).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
OUT=${OUT:-$ROOT/build-device/out}
BUILD=${BUILD:-build-device}
JOBS=${JOBS:-$(nproc)}
CUDA_ARCH=${CUDA_ARCH:-90}
BUDGET=${DEVICE_CHECK_BUDGET:-150}
WORK=$ROOT/$BUILD/device-check  # photos, outputs, exported model (inside the ignored build folder)
mkdir -p "$OUT"
LOG=$OUT/cuda_check.log
BENCH_JSON=$OUT/bench.jsonl
SUMMARY=$OUT/summary.md
T0=$SECONDS
GB=cuda  # the backend under test
BENCH_ARGS=(--size 512 --batch 1 16 --repeat 10 --profile)
if [ "${DEVICE_CHECK_DRY:-0}" = 1 ]; then
  GB=cpu
  BENCH_ARGS=(--device cpu --size 64 --batch 1 2 --repeat 2 --profile)
fi

left() { echo $((BUDGET - (SECONDS - T0))); }

# lim N CMD...: runs CMD with a limit of N seconds, cut to what is left of the budget.
lim() {
  local n=$1 l rc
  shift
  l=$(left)
  ((n > l)) && n=$l
  if ((n < 2)); then
    echo "!! budget spent, not run: $*"
    return 124
  fi
  timeout -k 3 "$n" "$@"
  rc=$?
  ((rc == 124 || rc == 137)) && echo "!! time limit of $n s hit: $*"
  return $rc
}

RESULTS=()
# step NAME FUNCTION: runs FUNCTION (in this shell), records PASS/FAIL with its duration.
step() {
  local name=$1 fn=$2 t=$SECONDS
  echo
  echo "=== step $name ($(date -u +%H:%M:%S), $(left) s of the budget left) ==="
  if (($(left) < 3)); then
    RESULTS+=("SKIP  $name (budget spent)")
    echo "=== step $name: SKIPPED (budget spent) ==="
    return
  fi
  if "$fn"; then
    RESULTS+=("PASS  $name ($((SECONDS - t)) s)")
    echo "=== step $name: PASS ($((SECONDS - t)) s) ==="
  else
    RESULTS+=("FAIL  $name ($((SECONDS - t)) s)")
    echo "=== step $name: FAIL ($((SECONDS - t)) s) ==="
  fi
}

# ------------------------------------------------------------------------------------- steps
PY=""
step_facts() {
  local ok=0 c
  echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC'); host $(uname -srm); $(nproc) cores;" \
    "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  free -g | head -2
  lim 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,compute_cap \
    --format=csv || ok=1
  lim 20 nvidia-smi | head -15
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  echo "nvcc: $NVCC"
  lim 20 "$NVCC" --version | tail -2 || ok=1
  echo "$(cmake --version | head -1); ninja $(ninja --version); $(c++ --version | head -1)"
  # A python3 with torch (the benchmark) and numpy + PIL (the comparisons).
  for c in ${PYTHON:-} python3 /usr/bin/python3; do
    if lim 60 "$c" -c "import torch, numpy, PIL" 2>/dev/null; then
      PY=$c
      break
    fi
  done
  if [ -z "$PY" ]; then
    echo "no python3 with torch, numpy and PIL: benchmark and comparisons will fail"
    PY=python3
    return 1
  fi
  echo "python: $PY"
  lim 60 "$PY" - <<'EOF' || ok=1
import sys, numpy, PIL, torch
print("python %s; torch %s (CUDA %s, cuDNN %s); numpy %s; pillow %s" % (
    sys.version.split()[0], torch.__version__, torch.version.cuda,
    torch.backends.cudnn.version(), numpy.__version__, PIL.__version__))
for m in ("onnx", "onnxruntime"):
    try:
        print("%s %s" % (m, __import__(m).__version__))
    except Exception as e:
        print("%s: %s" % (m, e))
ok = torch.cuda.is_available()
print("torch.cuda.is_available(): %s%s" % (ok, " (%s)" % torch.cuda.get_device_name(0) if ok else ""))
sys.exit(0 if ok else 1)
EOF
  return $ok
}

# Starts in the background (during the build): the 12 MP photo and, without the shipped
# model, a model of the same architecture with fixed-seed weights (as the benchmark makes).
MODEL=""
MODEL_NOTE=""
SIZE_ARGS=()
PREP_PID=""
start_prep() {
  rm -rf "$WORK"
  mkdir -p "$WORK/photos"
  (
    lim 40 "$PY" - "$WORK/photo-12mp.jpg" <<'EOF'
import sys
import numpy as np
from PIL import Image
# tests/data/landscape-grey.jpg (640x426) cropped to 4:3, upscaled to 4000x3000, with grain
# so that the JPEG has photo-like detail to decode.
im = Image.open("tests/data/landscape-grey.jpg").convert("L")
w = im.height * 4 // 3
im = im.crop(((im.width - w) // 2, 0, (im.width - w) // 2 + w, im.height))
a = np.asarray(im.resize((4000, 3000), Image.BICUBIC), dtype=np.float32)
a += np.random.RandomState(0).normal(0, 4, a.shape)
Image.fromarray(np.clip(a + 0.5, 0, 255).astype(np.uint8)).save(sys.argv[1], quality=92)
print("wrote %s (4000x3000 grey JPEG)" % sys.argv[1])
EOF
    if [ ! -f models/colorizer-fp32.onnx ]; then
      lim 60 "$PY" scripts/bench_engine_cuda.py --export "$WORK/colornet-seed0.onnx" 2>&1 | tail -3
    fi
  ) >"$WORK/prep.log" 2>&1 &
  PREP_PID=$!
}

finish_prep() {
  if [ -n "$PREP_PID" ]; then
    wait "$PREP_PID"
    PREP_PID=""
    echo "--- preparation (run during the build) ---"
    cat "$WORK/prep.log"
    if [ -f models/colorizer-fp32.onnx ]; then
      MODEL=$ROOT/models/colorizer-fp32.onnx
      MODEL_NOTE="models/colorizer-fp32.onnx (the shipped model; working size from its manifest)"
      SIZE_ARGS=()
    elif [ -s "$WORK/colornet-seed0.onnx" ]; then
      MODEL=$WORK/colornet-seed0.onnx
      MODEL_NOTE="the colorizer architecture with seed-0 weights (bench_engine_cuda.py --export; models/colorizer-fp32.onnx absent), working size 128"
      SIZE_ARGS=(--size 128)
    else
      MODEL=$ROOT/tests/data/models/tiny_colorizer.onnx
      MODEL_NOTE="tests/data/models/tiny_colorizer.onnx (no shipped model and the export failed), working size 128"
      SIZE_ARGS=(--size 128)
    fi
    echo "model for the CLI steps: $MODEL_NOTE"
  fi
}

CUDNN_ARGS=()
find_cudnn() {  # sets CUDNN_ARGS when cuDNN is only in a python wheel (torch's own)
  local d h="" l="" lv=""
  for d in /usr/include /usr/include/x86_64-linux-gnu /usr/local/cuda/include \
    /usr/local/cuda/targets/x86_64-linux/include; do
    [ -f "$d/cudnn.h" ] && h=$d/cudnn.h
  done
  for d in /usr/lib/x86_64-linux-gnu /usr/local/cuda/lib64 /usr/local/cuda/lib \
    /usr/local/cuda/targets/x86_64-linux/lib; do
    [ -e "$d/libcudnn.so" ] && l=$d/libcudnn.so
    [ -z "$lv" ] && lv=$(find "$d" -maxdepth 1 -name 'libcudnn.so.[0-9]*' 2>/dev/null | sort | head -1)
  done
  [ -n "$h" ] && [ -n "$l" ] && return 0  # CMake finds these itself
  if [ -n "$h" ] && [ -n "$lv" ]; then     # a runtime package without the libcudnn.so link
    echo "cuDNN: $h with $lv"
    CUDNN_ARGS=(-DCUDNN_INCLUDE_DIR="$(dirname "$h")" -DCUDNN_LIBRARY="$lv")
    return 0
  fi
  local sp
  sp=$(lim 30 "$PY" -c "import site; print(' '.join(site.getsitepackages() + [site.getusersitepackages()]))" 2>/dev/null)
  [ -n "$sp" ] || return 0
  # shellcheck disable=SC2086
  h=$(find $sp -maxdepth 5 -path '*nvidia*' -name cudnn.h 2>/dev/null | head -1)
  # shellcheck disable=SC2086
  l=$(find $sp -maxdepth 5 -path '*nvidia*' \( -name 'libcudnn.so' -o -name 'libcudnn.so.[0-9]*' \) \
    2>/dev/null | sort | head -1)
  if [ -n "$h" ] && [ -n "$l" ]; then
    echo "no system cuDNN; the python wheel's: $(dirname "$h"), $l"
    # Its sub-libraries are loaded at run time from the library path.
    LD_LIBRARY_PATH="$(dirname "$l")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export LD_LIBRARY_PATH
    CUDNN_ARGS=(-DCUDNN_INCLUDE_DIR="$(dirname "$h")" -DCUDNN_LIBRARY="$l")
  else
    echo "no cuDNN found outside CMake's own search (header '$h', library '$l')"
  fi
}

step_build() {
  local args extra t
  args=(-DCMAKE_BUILD_TYPE=Release -DCOLORIZE_CUDA=ON -DCMAKE_CUDA_COMPILER="$NVCC"
    -DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCH")
  # GoogleTest from sources where no GTest package is installed (tests/CMakeLists.txt).
  [ -f .device/googletest/CMakeLists.txt ] && args+=(-DCOLORIZE_GTEST_SOURCE_DIR="$ROOT/.device/googletest")
  [ -f .device/stb/stb_image.h ] && args+=(-DSTB_INCLUDE_DIR="$ROOT/.device/stb")
  find_cudnn
  args+=("${CUDNN_ARGS[@]}")
  read -ra extra <<<"${DEVICE_CHECK_CMAKE_ARGS:-}"
  args+=("${extra[@]}")
  echo "+ cmake -S . -B $BUILD -G Ninja ${args[*]}"
  t=$SECONDS
  lim 90 cmake -S . -B "$BUILD" -G Ninja "${args[@]}" || return 1
  echo "configure: $((SECONDS - t)) s"
  grep -E '^(GTest_DIR|COLORIZE_GTEST_SOURCE_DIR|STB_INCLUDE_DIR|CUDNN_INCLUDE_DIR|CUDNN_LIBRARY|CMAKE_CUDA_COMPILER):' \
    "$BUILD/CMakeCache.txt"
  t=$SECONDS
  lim 150 cmake --build "$BUILD" -j "$JOBS" || return 1
  echo "build: $((SECONDS - t)) s"
}

step_ctest() {
  local rc
  lim 100 ctest --test-dir "$BUILD" --output-on-failure -j 8 --timeout 80
  rc=$?
  # Which tests skipped (without a GPU the CUDA ones do): from the full output ctest kept.
  local tl=$BUILD/Testing/Temporary/LastTest.log
  if [ -f "$tl" ]; then
    echo "--- gtest outcomes (from $tl) ---"
    echo "tests run: $(grep -c '^\[       OK \]' "$tl") ok, $(grep -c '^\[  FAILED  \].*(' "$tl") failed," \
      "$(grep -c '^\[  SKIPPED \].*(' "$tl") skipped"
    grep -E '^\[ *(OK|FAILED|SKIPPED) *\] CudaBackend' "$tl"
    grep -B3 '^\[  SKIPPED \].*(' "$tl" | grep -v '^\[ RUN' | head -30
  fi
  return $rc
}

step_goldens() {
  local tool=$BUILD/bin/colorize-tensor fails=0 b m cs prec in rtol
  lim 30 "$tool" --list-backends || return 1
  local D=tests/data/models
  for m in tiny_colorizer tiny_colorizer_q; do
    for cs in hints auto; do
      for b in cpu $GB; do
        echo "+ $m / $cs on $b"
        lim 30 "$tool" --model $D/$m.onnx --backend "$b" \
          --input L=$D/tiny_colorizer_${cs}_L.npy --input hint_ab=$D/tiny_colorizer_${cs}_hint_ab.npy \
          --input hint_mask=$D/tiny_colorizer_${cs}_hint_mask.npy \
          --expect ab=$D/tiny_colorizer_${cs}_ab.npy || fails=$((fails + 1))
      done
    done
  done
  # The shipped models against their PyTorch goldens (as tests/nn/test_model.cpp does).
  for m in models/*.onnx; do
    [ -f "$m" ] || continue
    prec=${m##*-}
    prec=${prec%.onnx}
    rtol=1e-3
    [ "$prec" = fp32 ] && rtol=1e-4
    for cs in auto hints; do
      in=models/golden/${cs}_
      if [ ! -f "${in}ab_$prec.npy" ] || [ ! -f "${in}L.npy" ]; then continue; fi
      for b in cpu $GB; do
        echo "+ $m / $cs on $b (rtol $rtol)"
        lim 60 "$tool" --model "$m" --backend "$b" --rtol $rtol --input L="${in}L.npy" \
          --input hint_ab="${in}hint_ab.npy" --input hint_mask="${in}hint_mask.npy" \
          --expect ab="${in}ab_$prec.npy" || fails=$((fails + 1))
      done
    done
  done
  echo "golden checks failed: $fails"
  ((fails == 0))
}

# compare DIR_A DIR_B [NAME...]: every image of DIR_A (or the NAMEs) against the one of the
# same name in DIR_B, 8-bit, per channel: max and mean |difference|. Fails above 8 levels max
# or 0.5 mean.
compare_dirs() {
  lim 60 "$PY" - "$@" <<'EOF'
import os, sys
import numpy as np
from PIL import Image
a_dir, b_dir = sys.argv[1:3]
names = sys.argv[3:] or sorted(os.listdir(a_dir))
bad = 0
print("%-28s %-11s %-5s %s" % ("image (gpu vs cpu run)", "size", "mode", "per channel: max |diff| / mean |diff| (8-bit)"))
for n in names:
    pa, pb = os.path.join(a_dir, n), os.path.join(b_dir, n)
    if not os.path.exists(pb):
        print("%-28s missing in %s" % (n, b_dir)); bad += 1; continue
    ia, ib = Image.open(pa), Image.open(pb)
    if ia.size != ib.size or ia.mode != ib.mode:
        print("%-28s differs: %s %s vs %s %s" % (n, ia.size, ia.mode, ib.size, ib.mode)); bad += 1; continue
    if ia.mode not in ("L", "LA", "RGB", "RGBA"):  # 16-bit: compare at 8 bits
        ia, ib = ia.convert("RGB"), ib.convert("RGB")
    a = np.asarray(ia).astype(np.int16)
    b = np.asarray(ib).astype(np.int16)
    d = np.abs(a - b).reshape(a.shape[0], a.shape[1], -1)
    mx, mean = d.max(axis=(0, 1)), d.mean(axis=(0, 1))
    ok = mx.max() <= 8 and mean.max() <= 0.5
    bad += not ok
    print("%-28s %-11s %-5s %s  pixels off by >2: %.3f%%  %s" % (n, "%dx%d" % ia.size, ia.mode,
          "  ".join("%s %d/%.3f" % (c, m, e) for c, m, e in zip(ia.mode, mx, mean)),
          100.0 * (d.max(axis=2) > 2).mean(), "ok" if ok else "DIFFERS"))
sys.exit(1 if bad or not names else 0)
EOF
}

step_cli_compare() {
  finish_prep
  local cli=$BUILD/bin/colorize p ok=0 side b
  local photos=(tests/data/landscape-grey.jpg tests/data/eval/scene-21.jpg web/app/icons/icon-512.png)
  if [ -f models/contact_sheet.jpg ]; then photos+=(models/contact_sheet.jpg); else photos+=(tests/data/landscape.jpg); fi
  echo "model: $MODEL_NOTE"
  for p in "${photos[@]}"; do
    echo "photo: $p ($(lim 10 "$PY" -c "from PIL import Image; import sys; i = Image.open(sys.argv[1]); print('%dx%d %s' % (i.size + (i.mode,)))" "$p"))"
  done
  for side in cpu gpu; do
    b=cpu
    [ $side = gpu ] && b=$GB
    rm -rf "$WORK/cli_$side"
    echo "+ colorize --model $(basename "$MODEL") ${SIZE_ARGS[*]} --backend $b --timings (${#photos[@]} photos) -o $WORK/cli_$side/"
    lim 60 "$cli" --model "$MODEL" "${SIZE_ARGS[@]}" --backend $b --timings "${photos[@]}" -o "$WORK/cli_$side/" || ok=1
  done
  [ -d "$WORK/cli_gpu" ] && [ -d "$WORK/cli_cpu" ] || return 1
  compare_dirs "$WORK/cli_gpu" "$WORK/cli_cpu" || ok=1
  return $ok
}

step_bench() {
  local ok=0
  rm -f "$BENCH_JSON"
  echo "+ bench_engine_cuda.py ${BENCH_ARGS[*]} --precision fp32 tf32"
  lim 100 "$PY" -u scripts/bench_engine_cuda.py --tool "$BUILD/bin/colorize-tensor" \
    "${BENCH_ARGS[@]}" --precision fp32 tf32 --json "$BENCH_JSON" 2>&1 |
    grep -v -E 'Warning|^ *(_C\._jit|return g\.op|warnings\.warn)' || ok=1
  [ -s "$BENCH_JSON" ] || return 1
  # Every configuration ran on the engine and agreed with PyTorch (the tool's exit code).
  lim 20 "$PY" -c "
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
sys.exit(0 if len(recs) == 4 and all(r['engine_exit'] == 0 and r['engine_ms'] for r in recs) else 1)
" "$BENCH_JSON" || ok=1
  return $ok
}

TIMINGS=$WORK/timings.txt
step_photo_12mp() {
  finish_prep
  local cli=$BUILD/bin/colorize p=$WORK/photo-12mp.jpg ok=0 b side size sargs
  [ -f "$p" ] || { echo "no 12 MP photo (see the preparation above)"; return 1; }
  echo "photo: $p ($(du -k "$p" | cut -f1) KiB); model: $MODEL_NOTE"
  : >"$TIMINGS"
  # cuda: the photo twice in one run (cold: the first infer loads the model and starts the
  # backend; warm: the second); cpu: once (each 12 MP PNG encode takes seconds).
  for size in default 512; do
    if [ $size = default ]; then sargs=("${SIZE_ARGS[@]}"); else sargs=(--size 512); fi
    for side in gpu cpu; do
      local inputs=("$p" "$p")
      b=$GB
      if [ $side = cpu ]; then
        b=cpu
        inputs=("$p")
      fi
      rm -rf "$WORK/p12_${side}_$size"
      echo "+ colorize --backend $b ${sargs[*]} --timings (the 12 MP photo ${#inputs[@]}x) -> PNG"
      lim 60 "$cli" --model "$MODEL" "${sargs[@]}" --backend $b --timings "${inputs[@]}" \
        -o "$WORK/p12_${side}_$size/" 2>&1 | tee "$WORK/p12.log" || ok=1
      local ws=${sargs[1]:-}  # --size N, else the manifest's (the CLI says which)
      [ -n "$ws" ] || ws=$(grep -o -m1 'working size [0-9]*' "$WORK/p12.log" | grep -o '[0-9]*$')
      grep '^timings ' "$WORK/p12.log" | awk -v b=$b -v s="${ws:-?}" \
        '{ print b, s, (NR == 1 ? "cold" : "warm"), $0 }' >>"$TIMINGS"
    done
    echo "--- 12 MP output, working size $size: $GB vs cpu ---"
    compare_dirs "$WORK/p12_gpu_$size" "$WORK/p12_cpu_$size" photo-12mp.png || ok=1
  done
  return $ok
}

write_summary() {
  {
    echo "# CUDA check $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "GPU: $(timeout 10 nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo none)"
    echo "CLI model: ${MODEL_NOTE:-n/a}; total $((SECONDS - T0)) s of a $BUDGET s budget"
    echo
    echo '```'
    printf '%s\n' "${RESULTS[@]}"
    echo '```'
    timeout 30 "$PY" - "$BENCH_JSON" "$TIMINGS" <<'EOF' || echo "(no figures)"
import json, os, re, sys
bench, timings = sys.argv[1:3]
def f(x, fmt="%.2f"):
    return "n/a" if x is None else fmt % x
if os.path.exists(bench):
    recs = [json.loads(l) for l in open(bench) if l.strip()]
    if recs:
        print("\n## Engine (%s backend) vs PyTorch eager (cuDNN), %dx%d, %s, torch %s\n" % (
            recs[0]["engine_backend"], recs[0]["size"], recs[0]["size"], recs[0]["device"],
            recs[0]["torch"]))
        print("| precision | batch | PyTorch ms (device) | PyTorch ms (+copies) | PyTorch img/s (+copies) | PyTorch peak MiB | engine ms (+copies) | engine img/s | engine peak MiB | engine/PyTorch | max rel err | exit |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r in recs:
            ratio = r["engine_ms"] / r["torch_ms_copies"] if r["engine_ms"] else None
            print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %d |" % (
                r["precision"], r["batch"], f(r["torch_ms_device"]), f(r["torch_ms_copies"]),
                f(r["torch_img_s_copies"], "%.1f"), f(r["torch_peak_mib"], "%.0f"), f(r["engine_ms"]),
                f(r["engine_img_s"], "%.1f"), f(r["engine_peak_mib"], "%.0f"), f(ratio, "%.2fx"),
                f(r["rel_err"], "%.2g"), r["engine_exit"]))
if os.path.exists(timings):
    rows = [l.split(None, 3) for l in open(timings) if l.strip()]
    if rows:
        stages = ["read", "decode", "prepare", "infer", "finish", "encode", "write", "total"]
        print("\n## Full path, one 12 MP photo (4000x3000 grey JPEG -> PNG), ms per stage\n")
        print("| backend | working size | run | " + " | ".join(stages) + " |")
        print("|---|---|---|" + "---:|" * len(stages))
        for b, s, run, line in rows:
            ms = dict(re.findall(r"(\w+) ([\d.]+) ms", line))
            print("| %s | %s | %s | %s |" % (b, s, run, " | ".join(ms.get(k, "n/a") for k in stages)))
EOF
  } >"$SUMMARY"
}

main() {
  local rev="not a git checkout"
  if rev=$(git rev-parse --short HEAD 2>/dev/null); then
    git diff --quiet HEAD 2>/dev/null || rev="$rev with local changes"
  fi
  echo "device_cuda_check: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $ROOT ($rev), budget $BUDGET s"
  NVCC=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
  step facts step_facts
  start_prep
  step build step_build
  step ctest step_ctest
  step goldens step_goldens
  step cli-compare step_cli_compare
  step bench step_bench
  step photo-12mp step_photo_12mp
  finish_prep >/dev/null
  write_summary
  echo
  echo "=== summary ($((SECONDS - T0)) s) ==="
  cat "$SUMMARY"
  local failed
  failed=$(printf '%s\n' "${RESULTS[@]}" | grep -cv '^PASS')
  echo
  echo "steps: $((${#RESULTS[@]} - failed)) passed, $failed failed"
  ((failed == 0))
}

main 2>&1 | tee "$LOG"
