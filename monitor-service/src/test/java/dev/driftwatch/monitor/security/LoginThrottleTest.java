package dev.driftwatch.monitor.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.UiSession;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * F12: five failed logins lock the user name (from any address) and the address (for any user, the
 * right password included) for the lockout window, and each attempt leaves an audit line. Client
 * addresses come from X-Forwarded-For, as behind the chart's ingress.
 */
@HardenedWebTest
@ExtendWith(OutputCaptureExtension.class)
class LoginThrottleTest {

    @LocalServerPort
    private int port;

    private static String net() {
        return "10." + (int) (Math.random() * 200) + "." + (int) (Math.random() * 200) + ".";
    }

    @Test
    void fiveFailuresLockTheUserNameEverywhere(CapturedOutput output) {
        String ghost = "ghost-" + UUID.randomUUID();
        String net = net();
        UiSession client = from(net + "1");
        for (int i = 0; i < 5; i++) {
            assertThat(client.login(ghost, "wrong-" + i)).endsWith("/login?error");
        }
        assertThat(client.login(ghost, "anything")).endsWith("/login?locked");
        assertThat(from(net + "2").login(ghost, "anything")).endsWith("/login?locked");
        assertThat(output.getOut()).contains("login failed user=\"" + ghost + "\" address=" + net + "1")
                .contains("login refused (locked) user=\"" + ghost + "\"");
    }

    @Test
    void fiveFailuresFromOneAddressLockItEvenForTheRightPassword(CapturedOutput output) {
        String net = net();
        UiSession attacker = from(net + "9");
        for (int i = 0; i < 5; i++) {
            assertThat(attacker.login("user-" + UUID.randomUUID(), "guess")).endsWith("/login?error");
        }
        assertThat(attacker.login("admin", HardenedWebTest.PASSWORD)).endsWith("/login?locked");
        UiSession colleague = from(net + "10");
        String home = colleague.login("admin", HardenedWebTest.PASSWORD);
        assertThat(home).doesNotContain("error").doesNotContain("locked");
        assertThat(output.getOut()).contains("login succeeded user=\"admin\" address=" + net + "10");
    }

    /** A UI session from a client address (X-Forwarded-For). */
    private UiSession from(String address) {
        return new UiSession("http://localhost:" + port, address);
    }
}
