package dev.driftwatch.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the commands of {@code console} blocks in bash the way a reader does after
 * {@code ./run-demo.sh}:
 * <ul>
 *   <li>in a scratch directory that links every top-level entry of the repository, so
 *       {@code ./run-demo.sh} and {@code docs/...} work, while files the commands write stay out of
 *       the checkout;
 *   <li>with {@code HOME} a scratch directory (shown as {@value #DOC_HOME} in outputs);
 *   <li>{@code driftwatch-upload} is the plugin's {@code UploadCli} on the test classpath (the
 *       alias docs/cli.md builds);
 *   <li>{@code http://localhost:8080} is the doc service's real address, in commands and outputs, and
 *       {@code DRIFTWATCH_URL} is set to it (the address a tool uses when none is given);
 *   <li>shell variables a block exports are kept for the next blocks of the same page.
 * </ul>
 */
final class DocShell {

    /** The home directory as the docs show it in outputs. */
    static final String DOC_HOME = "/home/me";

    private static final Pattern RESULT = Pattern.compile("\n?@@doc-test-end (\\d+)@@\n");

    private final Path work;
    private final Path home;
    private final Path state;
    private final String baseUrl;

    /**
     * Creates a shell environment for one page.
     *
     * @param work the scratch working directory (shared by the pages)
     * @param home the scratch home directory
     * @param baseUrl the doc service's URL
     */
    DocShell(Path work, Path home, String baseUrl) {
        this.work = work;
        this.home = home;
        this.baseUrl = baseUrl;
        try {
            this.state = Files.createTempFile(work.getParent(), "shell-state", ".sh");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Creates the scratch working directory: a link to every top-level entry of the repository.
     *
     * @param root the repository root
     * @param work the directory to fill
     */
    static void linkRepository(Path root, Path work) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(root)) {
            Files.createDirectories(work);
            for (Path e : entries) {
                String name = e.getFileName().toString();
                if (!name.equals(".git") && !Files.exists(work.resolve(name))) {
                    Files.createSymbolicLink(work.resolve(name), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the file a block with {@code file=PATH} shows.
     *
     * @param path the path as shown ({@code ~/} is the scratch home)
     * @param content the content
     */
    void writeFile(String path, String content) {
        Path target = path.startsWith("~/") ? home.resolve(path.substring(2)) : work.resolve(path);
        try {
            Files.createDirectories(target.getParent());
            Files.writeString(target, content, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The real result of one command.
     *
     * @param status its exit status
     * @param output what it printed (stdout and stderr), addresses and home shown as in the docs
     */
    record Result(int status, String output) {}

    /**
     * Runs the commands of one block in one bash process.
     *
     * @param commands the commands
     * @return one result per command
     */
    List<Result> run(List<ConsoleExample.Command> commands) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        StringBuilder script = new StringBuilder();
        script.append("cd ").append(quote(work.toString())).append('\n');
        script.append("export HOME=").append(quote(home.toString())).append('\n');
        script.append("export DRIFTWATCH_URL=").append(quote(baseUrl)).append('\n');
        script.append("export PATH=").append(quote(Path.of(java).getParent().toString())).append(":\"$PATH\"\n");
        script.append("driftwatch-upload() { java -cp ").append(quote(classpath))
                .append(" dev.driftwatch.plugin.ship.UploadCli \"$@\"; }\n");
        script.append("[ -s ").append(quote(state.toString())).append(" ] && . ").append(quote(state.toString())).append('\n');
        for (ConsoleExample.Command c : commands) {
            script.append(c.line().replace(DocService.DOC_URL, baseUrl)).append('\n');
            script.append("__dw_status=$?; printf '\\n@@doc-test-end %d@@\\n' \"$__dw_status\"; (exit \"$__dw_status\")\n");
        }
        script.append("export -p > ").append(quote(state.toString())).append('\n');
        String out;
        try {
            Process p = new ProcessBuilder("bash", "--noprofile", "--norc", "-c", script.toString())
                    .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("the commands did not finish in 5 minutes: " + out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        List<Result> results = new ArrayList<>();
        Matcher m = RESULT.matcher(out);
        int from = 0;
        while (m.find()) {
            results.add(new Result(Integer.parseInt(m.group(1)), asShown(out.substring(from, m.start()))));
            from = m.end();
        }
        if (results.size() != commands.size()) {
            throw new IllegalStateException("the shell stopped after " + results.size() + " of " + commands.size()
                    + " commands: " + out.substring(from));
        }
        return results;
    }

    /** The output with the real address and home replaced by the ones the docs show. */
    private String asShown(String output) {
        return output.replace(baseUrl, DocService.DOC_URL).replace(home.toString(), DOC_HOME)
                .replace(work.toString() + "/", "").strip();
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
