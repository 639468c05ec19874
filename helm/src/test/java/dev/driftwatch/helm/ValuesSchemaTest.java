package dev.driftwatch.helm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** values.schema.json rejects bad values before anything renders, naming the offending value. */
@Timeout(120)
class ValuesSchemaTest {

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      database.mode                            | sqlite          | database.mode
      replicaCount                             | 0               | replicaCount
      replicaCount                             | two             | replicaCount
      image.pullPolicy                         | Sometimes       | image.pullPolicy
      image.digest                             | latest          | image.digest
      service.port                             | 70000           | service.port
      securityContext.readOnlyRootFilesystem   | false           | readOnlyRootFilesystem
      securityContext.allowPrivilegeEscalation | true            | allowPrivilegeEscalation
      podSecurityContext.runAsNonRoot          | false           | runAsNonRoot
      autoscaling.targetCPUUtilizationPercentage | 150           | targetCPUUtilizationPercentage
      bootstrap.project                        | Not A Key       | bootstrap.project
      database.external.url                    | mysql://db/dw   | database.external.url
      database.bundled.scheduledBackup.method  | pg_dump         | method
      metrics.serviceMonitor.interval          | often           | interval
      replicas                                 | 3               | Additional property replicas
      """)
  void rejectsBadValue(String key, String value, String named) {
    assertThatThrownBy(() -> Chart.template(null, Map.of(key, value)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(named);
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      replicaCount                    | 5
      database.mode                   | bundled
      image.pullPolicy                | Always
      bootstrap.project               | fashion-mnist
      service.port                    | 8080
      """)
  void acceptsGoodValue(String key, String value) {
    assertThat(Chart.template(null, Map.of(key, value))).contains("kind: Deployment");
  }

  @Test
  void rejectsAnExternalDatabaseWithoutUrl() {
    assertThatThrownBy(() -> Chart.template(null, Map.of("database.mode", "external", "database.external.password", "pw")))
        .hasMessageContaining("schema")
        .hasMessageContaining("database.external.url");
  }
}
