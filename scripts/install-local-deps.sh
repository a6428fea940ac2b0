#!/usr/bin/env bash
# Fetches the local stack's jars (Apache Kafka 3.9 broker and tools, DynamoDB Local 2.x with its
# sqlite4java native libraries) from Maven Central into .fluxo/cache/, so that `npm start` and the
# integration tests start without downloading. Runs the same code as the first `npm start`; a no-op
# once cached. Needs Java 17+ and Maven 3 on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
exec npx --no-install tsx local/emulation/services/install.ts
