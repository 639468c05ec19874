package dev.driftwatch.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code helm lint --strict} on the chart with its default values. */
@Timeout(120)
class ChartLintTest {

  @Test
  void helmJavaLoadsItsNativeLibraryOffline() {
    assertThat(Helm.version().call()).startsWith("v3.");
  }

  @Test
  void chartPassesStrictLint() {
    LintResult result = Chart.lint();

    assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
  }
}
