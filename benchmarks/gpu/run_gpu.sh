#!/usr/bin/env bash
# GPU benchmarks (COBA and the compiled session at growing sizes, cuda_standalone vs cpp_standalone
# in the same call). Run from the repository root on the GPU machine, with the wheels of brian2
# 2.10.1, brian2cuda 1.0b1 and their dependencies in .whl/ (see benchmarks/README.md); writes
# $OUT/gpu.json. BUDGET (seconds, default 400) is the items' time budget; the benchmarks end
# within BUDGET + 60 s. Other options are passed on to `python -m benchmarks.gpu` (--skip-cuda,
# --tiny). Locally, to test it: PYTHON=/path/to/python3.12 OUT=/tmp/g bash
# benchmarks/gpu/run_gpu.sh --skip-cuda --tiny
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl && export PYTHONPATH=/tmp/site:$PWD
set -u
export PYTHONPATH="${PYTHONPATH:-$PWD}"
PY="${PYTHON:-python3}"
OUT="${OUT:-$PWD/benchmarks/results}"
mkdir -p "$OUT"
for d in /usr/local/cuda/bin /usr/local/cuda-*/bin; do
    if [ -x "$d/nvcc" ]; then export PATH="$d:$PATH"; export CUDA_PATH="${CUDA_PATH:-${d%/bin}}"; break; fi
done
export CORTEXLEARN_BUILD_ROOT="${TMPDIR:-/tmp}/cortexlearn-builds"
echo "python: $($PY --version 2>&1); nvcc: $(command -v nvcc || echo none)"
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
"$PY" -c "import brian2, numpy; print('brian2', brian2.__version__, 'numpy', numpy.__version__)"
"$PY" -c "import brian2cuda; print('brian2cuda', brian2cuda.__version__)" 2>&1 | tail -1
BUDGET="${BUDGET:-400}"
timeout $((BUDGET + 60)) "$PY" -m benchmarks.gpu --json "$OUT/gpu.json" --budget "$BUDGET" "$@"
status=$?
echo "exit status $status; report in $OUT/gpu.json"
exit $status
