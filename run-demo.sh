#!/usr/bin/env bash
# The main job: builds driftwatch, starts the monitor service on its embedded PostgreSQL and
# streams live demo fine-tuning runs into it: the image demo (Fashion-MNIST: full, head-only,
# low-rank adapter), then the LM demo (a small transformer on the fortunes corpus: LoRA on the
# attention projections, last block only, full).
# Prints the URL and the UI login; the service keeps running until Ctrl-C.
# Options (see --help): --data DIR, --corpus DIR, --only image|lm, --port N, --home DIR, --quick, --steps N,
# --url URL, --no-wait ...
set -euo pipefail
cd "$(dirname "$0")"

CLASSPATH_FILE=examples/target/demo-classpath.txt

# The JVM's vector module makes the listener's comparisons on the CPU several times cheaper (docs/metrics.md);
# the JVM then prints one warning line, which --help and --version leave out.
VECTOR_MODULE="--add-modules=jdk.incubator.vector"
# --help and --version come from the demo's own command line (picocli); they need a build, not a new one
for arg in "$@"; do
  case "$arg" in
    -h|--help|-V|--version)
      VECTOR_MODULE="-Ddriftwatch.vectorApi=false"
      if [ -f "$CLASSPATH_FILE" ]; then DRIFTWATCH_SKIP_BUILD=1; fi ;;
  esac
done

JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! "$JAVA" -version 2>&1 | grep -Eq 'version "(1[7-9]|[2-9][0-9])'; then
  echo "run-demo: needs a JDK 17 or newer (found: $("$JAVA" -version 2>&1 | head -1))" >&2
  exit 1
fi

if [ "${DRIFTWATCH_SKIP_BUILD:-0}" != "1" ]; then
  echo "Building driftwatch (./mvnw -q -DskipTests package; the first build downloads the Maven dependencies)..."
  ./mvnw -q -B -DskipTests package
fi

if [ ! -f "$CLASSPATH_FILE" ]; then
  echo "run-demo: $CLASSPATH_FILE is missing; the build did not finish" >&2
  exit 1
fi

# exec: Ctrl-C reaches the demo's JVM, whose shutdown hook stops the service.
exec "$JAVA" -Xmx2g \
  "$VECTOR_MODULE" \
  -Dai.djl.offline=true \
  -Dai.djl.pytorch.num_interop_threads=1 \
  -Dai.djl.pytorch.num_threads="${DRIFTWATCH_TORCH_THREADS:-1}" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.ai.djl=error \
  -Dorg.slf4j.simpleLogger.showDateTime=false \
  -cp "examples/target/classes:$(cat "$CLASSPATH_FILE")" \
  dev.driftwatch.examples.demo.DemoMain "$@"
