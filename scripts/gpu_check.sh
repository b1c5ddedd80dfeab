#!/usr/bin/env bash
# On a machine with an NVIDIA GPU: the CUDA tests and the GPU benchmark, in one short run (well under 10 minutes).
# Usage: bash scripts/gpu_check.sh [bench_gpu.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
[ -x "$PY" ] || { echo "run bash scripts/setup.sh first (or set PY to a Python with CUDA torch and the project installed)"; exit 2; }
"$PY" -c 'import torch, sys; print("torch", torch.__version__, "CUDA", torch.version.cuda, "GPU", torch.cuda.is_available()); sys.exit(0 if torch.cuda.is_available() else 2)'
export QT_QPA_PLATFORM=offscreen
"$PY" -m pytest -q -p no:cacheprovider -rs tests/test_cuda.py tests/test_batch.py tests/test_device.py
"$PY" benchmarks/bench_gpu.py "$@"
