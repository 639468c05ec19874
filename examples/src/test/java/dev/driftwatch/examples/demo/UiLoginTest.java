package dev.driftwatch.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo remembers the service's generated UI login in an owner-only file. */
class UiLoginTest {

    @TempDir
    Path dir;

    @Test
    void savesTheGeneratedLoginOwnerOnlyAndFindsItAgainWithoutTheLog() throws Exception {
        Path log = dir.resolve("service.log");
        Files.write(log, List.of("---- starting: service", "  user:     admin", "  password: s3cret-Pw"));
        Path home = dir.resolve("home");

        assertThat(UiLogin.find(log, home)).contains("user admin, password s3cret-Pw");

        Path saved = home.resolve("ui-login.txt");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(saved))).isEqualTo("rw-------");
        Files.writeString(log, "---- starting: service\n");
        assertThat(UiLogin.find(log, home)).contains("user admin, password s3cret-Pw");
    }
}
