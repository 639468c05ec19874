package dev.driftwatch.monitor.alert.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** F5: channel URLs reaching the service's own network are refused unless allowed. */
class OutboundPolicyTest {

    private final OutboundPolicy defaults = new OutboundPolicy(new OutboundProperties(List.of()));

    @Test
    void loopbackPrivateLinkLocalAndOwnAddressesAreRefusedInEverySpelling() {
        for (String url : List.of("http://127.0.0.1:5432/", "http://[::1]/x", "http://0.0.0.0:8080/",
                "http://2130706433/", "http://0x7f000001/", "http://localhost/hook", "http://169.254.169.254/latest",
                "http://10.0.0.1/", "http://172.16.5.4/", "http://192.168.1.1/", "http://100.64.0.1/",
                "http://[::ffff:127.0.0.1]/", "http://[fd00::1]/", "http://[fe80::1]/", "http://224.0.0.1/",
                "https://127.1/")) {
            assertThat(defaults.refusal(url, true)).as(url).isNotNull();
        }
    }

    @Test
    void publicAddressesPassAndTheAllowListOpensRangesAndHosts() {
        assertThat(defaults.refusal("https://93.184.216.34/hook", true)).isNull();
        OutboundPolicy allowing = new OutboundPolicy(new OutboundProperties(List.of("10.20.0.0/16", "localhost")));
        assertThat(allowing.refusal("http://10.20.3.4/hook", true)).isNull();
        assertThat(allowing.refusal("http://10.21.3.4/hook", true)).isNotNull();
        assertThat(allowing.refusal("http://localhost:9000/hook", true)).isNull();
        assertThat(allowing.refusal("http://127.0.0.1:9000/hook", true)).isNotNull();
    }

    @Test
    void anUnresolvableHostMaySaveButIsNotSentTo() {
        assertThat(defaults.refusal("https://hooks.invalid/x", false)).isNull();
        assertThat(defaults.refusal("https://hooks.invalid/x", true)).contains("does not resolve");
    }
}
