package com.example.finetune;

import dev.driftwatch.plugin.sink.JsonLinesFileSink;
import java.nio.file.Path;

/**
 * The same job without network access: the records go to a JSON-lines file, uploaded later with
 * {@code driftwatch-upload upload runs/<runKey>.jsonl}.
 */
public final class OfflineFineTune {

    public static void main(String[] args) throws Exception {
        String runKey = args.length > 0 ? args[0] : "finetune-" + System.currentTimeMillis();
        try (JsonLinesFileSink sink = new JsonLinesFileSink(Path.of("runs", runKey + ".jsonl"))) {
            FineTune.train(runKey, sink);
        }
    }
}
