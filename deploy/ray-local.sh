#!/usr/bin/env bash
# A Ray cluster of three nodes on this machine, to try `factory run --executor ray`: a head that
# runs no batch, a worker node with the `sandbox` resource (when Docker or bubblewrap works here)
# and a math-only worker node. `deploy/ray-local.sh stop` stops every Ray process of this machine.
# On real machines run the same `factory ray start` lines, one per machine (README: Scaling out).
set -euo pipefail
cd "$(dirname "$0")/.."
FACTORY=${FACTORY:-.venv/bin/factory}
PORT=${PORT:-6379}

if [ "${1:-start}" = stop ]; then
    exec "$(dirname "$FACTORY")/ray" stop
fi
"$FACTORY" ray start --head --port "$PORT" --num-cpus 0
"$FACTORY" ray start --address "127.0.0.1:$PORT" --num-cpus 1
"$FACTORY" ray start --address "127.0.0.1:$PORT" --num-cpus 1 --no-sandbox
RAY_AUTH_MODE=token "$(dirname "$FACTORY")/ray" status --address "127.0.0.1:$PORT"
echo "run: RAY_AUTH_MODE=token RAY_ADDRESS=127.0.0.1:$PORT $FACTORY run --executor ray"
