package dev.driftwatch.helm;

import io.fabric8.kubernetes.api.model.HasMetadata;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The unknown-field check itself: it must catch what the model silently accepts. */
class UnknownFieldsTest {

  private static final String DEPLOYMENT = """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: d
      spec:
        selector:
          matchLabels: {app: d}
        template:
          metadata:
            labels: {app: d}
          spec:
            containers:
              - name: c
                image: i
                %s:
                  httpGet: {path: /actuator/health/readiness, port: 8080}
      """;

  @Test
  void aValidDeploymentHasNoUnknownFields() {
    HasMetadata valid = Chart.parse(DEPLOYMENT.formatted("readinessProbe")).objects().get(0);

    assertThat(UnknownFields.in(valid)).isEmpty();
  }

  @Test
  void aMisspelledFieldIsReportedWithItsPath() {
    HasMetadata typo = Chart.parse(DEPLOYMENT.formatted("readinessProb")).objects().get(0);

    assertThat(UnknownFields.in(typo)).containsExactly("spec.template.spec.containers[0].readinessProb");
  }
}
