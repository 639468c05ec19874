package dev.driftwatch.examples.demo;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The web UI's login on the demo's own service. The service generates the admin password at its
 * first start and prints it only then; the demo copies it from the service log into its own
 * directory (readable by the owner only) so that later demo starts can show it again.
 */
final class UiLogin {

    private static final Pattern USER = Pattern.compile("^\\s*user:\\s+(\\S+)\\s*$");
    private static final Pattern PASSWORD = Pattern.compile("^\\s*password:\\s+(\\S+)\\s*$");
    private static final String FILE = "ui-login.txt";

    private UiLogin() {}

    /**
     * Finds the login: a freshly generated one in the service log (then saved), else the saved one.
     *
     * @param serviceLog the service's log file
     * @param home the demo's directory
     * @return {@code user <name>, password <password>}, or empty when unknown
     */
    static Optional<String> find(Path serviceLog, Path home) {
        Path saved = home.resolve(FILE);
        Optional<String> generated = fromLog(serviceLog);
        if (generated.isPresent()) {
            save(saved, generated.get());
            return generated;
        }
        try {
            return Files.isRegularFile(saved) ? Optional.of(Files.readString(saved, StandardCharsets.UTF_8).strip())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> fromLog(Path log) {
        List<String> lines;
        try {
            lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return Optional.empty();
        }
        // The latest start's block only: earlier starts' lines are older passwords of other data dirs.
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("---- starting:")) {
                start = i;
            }
        }
        String user = null;
        for (String line : lines.subList(start, lines.size())) {
            Matcher u = USER.matcher(line);
            Matcher p = PASSWORD.matcher(line);
            if (u.matches()) {
                user = u.group(1);
            } else if (p.matches() && user != null) {
                return Optional.of("user " + user + ", password " + p.group(1));
            }
        }
        return Optional.empty();
    }

    private static void save(Path file, String login) {
        try {
            Files.createDirectories(file.getParent());
            // owner-only from the moment it exists, so the password is never readable by others
            Files.deleteIfExists(file);
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(file, login + System.lineSeparator(), StandardCharsets.UTF_8);
        } catch (IOException | UnsupportedOperationException e) {
            // Only a convenience for the next start (a non-POSIX file system gets none); the login was printed.
        }
    }
}
