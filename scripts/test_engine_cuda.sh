#!/bin/sh
# On a machine with an NVIDIA GPU: build the engine with the CUDA backend, run its tests (the
# goldens then also run on "cuda") and the CUDA-vs-PyTorch benchmark. Usage:
#   sh scripts/test_engine_cuda.sh [build-dir] [arch]      (defaults: build-cuda, 90)
set -eu
BUILD=${1:-build-cuda}
ARCH=${2:-90}
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOLORIZE_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES="$ARCH"
cmake --build "$BUILD" --target test_nn colorize_tensor
"$BUILD/bin/colorize-tensor" --list-backends
"$BUILD/tests/nn/test_nn" --gtest_brief=1
D=tests/data/models
for b in cpu cuda; do
  "$BUILD/bin/colorize-tensor" --model $D/tiny_colorizer.onnx --backend $b \
    --input L=$D/tiny_colorizer_hints_L.npy --input hint_ab=$D/tiny_colorizer_hints_hint_ab.npy \
    --input hint_mask=$D/tiny_colorizer_hints_hint_mask.npy --expect ab=$D/tiny_colorizer_hints_ab.npy
done
PY=${PYTHON:-python3}
"$PY" scripts/bench_engine_cuda.py --tool "$BUILD/bin/colorize-tensor" --size 512 --batch 1 16 --repeat 20
"$PY" scripts/bench_engine_cuda.py --tool "$BUILD/bin/colorize-tensor" --size 512 --batch 1 16 --repeat 20 --tf32
