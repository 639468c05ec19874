package dev.driftwatch.examples.torchscript;

import dev.driftwatch.contract.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The "model you bring": a small GPT-2-like causal LM with random weights, written to a TorchScript file by
 * PyTorch in Python ({@code export_tiny_gpt.py}, a resource next to this class, run with Debian's
 * {@code python3-torch}). Nothing binary is kept in the repository: the file is made when needed.
 *
 * <pre>
 * String python = TinyGptExport.findPython().orElseThrow();
 * TinyGptExport.Exported model = TinyGptExport.export(python, dir, 8192, 32, 64, 4, 2, 11);
 * </pre>
 */
public final class TinyGptExport {

    /** The Debian package that puts PyTorch into the system's Python. */
    public static final String DEBIAN_PACKAGE = "python3-torch";
    /** An environment variable naming the Python interpreter to use (it must import torch). */
    public static final String PYTHON_ENV = "DRIFTWATCH_PYTHON";
    /** The export script, a resource next to this class. */
    static final String SCRIPT = "export_tiny_gpt.py";
    /** The model's name, and the file name stem of the TorchScript file. */
    public static final String MODEL_NAME = "tiny-gpt";

    /** Importing torch takes a few seconds; exporting the small model as long again. */
    private static final long TIMEOUT_SECONDS = 180;

    /**
     * What the export wrote and told.
     *
     * @param file the TorchScript file
     * @param torchVersion the PyTorch version that wrote it
     * @param parameters the number of parameter elements
     * @param tensors the parameter tensors' names
     * @param sampleTokens the input the script ran the scripted model on ({@code [1, T]})
     * @param sampleLogits the first {@code sampleVocabulary} logits of every position of that run,
     *     row-major {@code [T, sampleVocabulary]}
     * @param sampleVocabulary how many logits per position {@code sampleLogits} holds
     */
    public record Exported(Path file, String torchVersion, long parameters, List<String> tensors, long[] sampleTokens,
            float[] sampleLogits, int sampleVocabulary) {}

    private TinyGptExport() {}

    /**
     * Finds a Python that imports torch: {@value #PYTHON_ENV} when set, else Debian's
     * {@code /usr/bin/python3}, else {@code python3} from the PATH (a pyenv or venv Python usually has no
     * torch, so Debian's comes first).
     *
     * @return the interpreter, or empty when none imports torch
     */
    public static Optional<String> findPython() {
        List<String> candidates = new ArrayList<>();
        String configured = System.getenv(PYTHON_ENV);
        if (configured != null && !configured.isBlank()) {
            candidates.add(configured);
        }
        candidates.add("/usr/bin/python3");
        candidates.add("python3");
        return candidates.stream().filter(TinyGptExport::importsTorch).findFirst();
    }

    private static boolean importsTorch(String python) {
        try {
            return run(List.of(python, "-c", "import torch"), 60).exitCode() == 0;
        } catch (UncheckedIOException e) {
            return false; // no such interpreter
        }
    }

    /**
     * Writes the model to {@code dir/}{@value #MODEL_NAME}{@code .pt}.
     *
     * @param python an interpreter that imports torch ({@link #findPython()})
     * @param dir the directory to write to (created when missing)
     * @param vocabulary V
     * @param context the longest sequence T
     * @param width the model width
     * @param heads attention heads per block
     * @param layers transformer blocks
     * @param seed the seed of the random weights
     * @return what was written
     * @throws IllegalStateException when the script fails (its output is in the message)
     */
    public static Exported export(String python, Path dir, int vocabulary, int context, int width, int heads,
            int layers, long seed) {
        try {
            Files.createDirectories(dir);
            Path script = dir.resolve(SCRIPT);
            try (InputStream in = TinyGptExport.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException("the resource " + SCRIPT + " is missing next to "
                            + TinyGptExport.class.getName());
                }
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
            Path file = dir.resolve(MODEL_NAME + ".pt");
            Finished done = run(List.of(python, script.toString(), "--out", file.toString(),
                    "--vocabulary", Integer.toString(vocabulary), "--context", Integer.toString(context),
                    "--width", Integer.toString(width), "--heads", Integer.toString(heads),
                    "--layers", Integer.toString(layers), "--seed", Long.toString(seed)), TIMEOUT_SECONDS);
            if (done.exitCode() != 0 || !Files.isRegularFile(file)) {
                throw new IllegalStateException(python + " " + SCRIPT + " failed (exit " + done.exitCode() + "):\n"
                        + done.output());
            }
            // the script's last line describes the model (torch may warn on the lines before it)
            List<String> lines = done.output().lines().filter(l -> l.startsWith("{")).toList();
            Map<String, Object> d = WireJson.read(lines.get(lines.size() - 1));
            return new Exported(file, (String) d.get("torch"), ((Number) d.get("parameters")).longValue(),
                    ((List<?>) d.get("tensors")).stream().map(String::valueOf).toList(),
                    ((List<?>) d.get("sampleTokens")).stream().mapToLong(v -> ((Number) v).longValue()).toArray(),
                    floats((List<?>) d.get("sampleLogits")), ((Number) d.get("sampleVocabulary")).intValue());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the TorchScript model to " + dir, e);
        }
    }

    private static float[] floats(List<?> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) values.get(i)).floatValue();
        }
        return out;
    }

    private record Finished(int exitCode, String output) {}

    /** Runs a command with its output (stdout and stderr) in a file, so that the timeout holds whatever it prints. */
    private static Finished run(List<String> command, long timeoutSeconds) {
        Path log = null;
        try {
            log = Files.createTempFile("driftwatch-python", ".log");
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly().waitFor();
            }
            String output = Files.readString(log, StandardCharsets.UTF_8);
            return finished ? new Finished(p.exitValue(), output)
                    : new Finished(-1, output + "\n(timed out after " + timeoutSeconds + " s)");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command.get(0), e);
        } finally {
            if (log != null) {
                try {
                    Files.deleteIfExists(log);
                } catch (IOException e) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
