#!/bin/bash
# Train with the "gpu" configuration on a GPU machine that received the data as the parts
# written by scripts/pack_data.py (folders .device/pack/<part>/ of .zip shards, sent one
# transfer at a time). Links every part's shards into one data folder, prints the machine,
# trains, and leaves the small outputs (log, config, weights-only checkpoints) in $OUT.
#
#   bash scripts/device_train.sh NAME [KEY=VALUE ...]      (overrides for scripts/train.py --set)
#
# Starting weights: an init_*.pt checkpoint sent in a part, else none (the ImageNet encoder);
# to fine-tune the shipped model, which travels with the checkout, pass
# init_from="'models/colorizer-fp32.onnx'" (files without a recorded prior also need
# prior_seed=1234 prior_images=3000, the first CPU run's, and the unpacked data to match it).
set -u -o pipefail
OUT=${OUT:-runs/device-out}
mkdir -p "$OUT"
name=$1
shift
D=${DATA:-/tmp/colorize-data}
mkdir -p "$D/train" "$D/val"
for f in .device/pack/*/*.zip; do
  case $(basename "$f") in
    places-val.zip | bsds-val.zip) ln -sf "$PWD/$f" "$D/val/" ;;
    *) ln -sf "$PWD/$f" "$D/train/" ;;
  esac
done
init=$(ls .device/pack/*/init_*.pt 2>/dev/null | head -1)
echo "data: $(ls "$D/train" | tr '\n' ' ') | val: $(ls "$D/val" | tr '\n' ' ') | init: ${init:-none}"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
${PYTHON:-python3} -c 'import torch; print("torch", torch.__version__, "cuda", torch.version.cuda, "cudnn", torch.backends.cudnn.version())'
PYTHONUNBUFFERED=1 ${PYTHON:-python3} -W ignore::UserWarning scripts/train.py --config gpu --name "$name" \
  --runs /tmp/colorize-runs --data "$D" --cache '' \
  --set model_out="'$OUT'" ${init:+init_from="'$init'"} "$@" 2>&1 | tee "$OUT/$name.log"
rc=$?
cp "/tmp/colorize-runs/$name/config.json" "$OUT/$name-config.json" 2>/dev/null || true
exit $rc
