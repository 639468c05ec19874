package dev.driftwatch.monitor.alert.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The one-line texts carry user-given names as text: no Slack markup, no second log line. */
class NotificationPayloadsTest {

    private static AlertNotice notice(String rule, String run, String slice) {
        return new AlertNotice(1, NotificationKind.FIRING, 2, rule, "warning", "demo", run, slice,
                "kl_base_ft mean > 0.5", "kl_base_ft mean 0.9 > 0.5 at step 10", 0.9, 10,
                Instant.EPOCH, Instant.EPOCH, null);
    }

    @Test
    void slackGetsEntitiesForItsThreeControlCharacters() {
        String text = NotificationPayloads.text(notice("<!here> a&b", "run<@U123>", "<#C1>"), true);
        assertThat(text).isEqualTo("*[FIRING]* *&lt;!here&gt; a&amp;b* (warning) project demo run run&lt;@U123&gt;"
                + " slice &lt;#C1&gt;: kl_base_ft mean 0.9 &gt; 0.5 at step 10; condition: kl_base_ft mean &gt; 0.5");
    }

    @Test
    void logLinesStayOneLineWhateverTheNames() {
        String rule = "a\nb\r\u0085c\u2028d\u2029e\u001b[31mf\u007fg\\u000ah\tz";
        String text = NotificationPayloads.text(notice(rule, "r\n[FIRING] forged", null), false);
        assertThat(text).isEqualTo("[FIRING] a\\u000ab\\u000d\\u0085c\\u2028d\\u2029e\\u001b[31mf\\u007fg\\\\u000ah\\u0009z"
                + " (warning) project demo run r\\u000a[FIRING] forged: kl_base_ft mean 0.9 > 0.5 at step 10;"
                + " condition: kl_base_ft mean > 0.5");
        assertThat(text.lines()).hasSize(1);
    }

    @Test
    void ordinaryNamesAreLeftAlone() {
        AlertNotice n = notice("KL high", "lora-r8", "math");
        assertThat(NotificationPayloads.text(n, false)).isEqualTo("[FIRING] KL high (warning) project demo run lora-r8"
                + " slice math: kl_base_ft mean 0.9 > 0.5 at step 10; condition: kl_base_ft mean > 0.5");
        assertThat(NotificationPayloads.logText("naïve ✓ 日本")).isEqualTo("naïve ✓ 日本");
    }
}
