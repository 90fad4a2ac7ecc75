#!/usr/bin/env bash
# What a short batch costs end to end, as a workflow execution pays it (io.nlink.bench.BatchCost):
#   bench/batch-cost.sh PACKAGE_DIR PARAMS_JSON BATCHES ITEMS_PER_BATCH THREADS WARMUP_BATCHES
# Prints: nlink-batches batches=N items_per_batch=K threads=T us_per_batch=X cpu_us_per_batch=Y reused=R spare=S snapshot=P
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench-java.sh" io.nlink.bench.BatchCost "$@"
