package dev.driftwatch.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static dev.driftwatch.helm.CiValuesRenderTest.env;
import static dev.driftwatch.helm.CiValuesRenderTest.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What each switch of the chart renders, checked on the parsed objects. */
@Timeout(120)
class ChartVariationsTest {

  private static final Map<String, Object> EXTERNAL_DB = Map.of(
      "database.mode", "external",
      "database.external.url", "jdbc:postgresql://pg:5432/driftwatch",
      "database.external.password", "s3cret-db-password");

  @Test
  void bundledDatabaseIsACloudNativePgClusterWithTheConfiguredShape() {
    Manifests manifests = Chart.render(ci("bundled-backup-values.yaml"), Map.of());

    GenericKubernetesResource cluster = manifests.custom("Cluster").orElseThrow();
    assertThat(cluster.get("spec", "instances").toString()).isEqualTo("3");
    assertThat(cluster.<String>get("spec", "bootstrap", "initdb", "database")).isEqualTo("driftwatch");
    assertThat(cluster.<String>get("spec", "storage", "size")).isEqualTo("50Gi");
    assertThat(cluster.<String>get("spec", "backup", "barmanObjectStore", "destinationPath"))
        .isEqualTo("s3://driftwatch-backups/pg");
    assertThat(cluster.getMetadata().getAnnotations()).containsEntry("helm.sh/resource-policy", "keep");

    GenericKubernetesResource backup = manifests.custom("ScheduledBackup").orElseThrow();
    assertThat(backup.<String>get("spec", "cluster", "name")).isEqualTo(cluster.getMetadata().getName());
    assertThat(backup.<String>get("spec", "method")).isEqualTo("barmanObjectStore");
  }

  @Test
  void externalDatabaseCredentialsGoToTheChartsOwnSecret() {
    Manifests manifests = Chart.render(EXTERNAL_DB);
    Container container = service(manifests.deployment().getSpec().getTemplate().getSpec());

    assertThat(manifests.custom("Cluster")).isEmpty();
    assertThat(env(container, "SPRING_DATASOURCE_URL").getValue()).isEqualTo("jdbc:postgresql://pg:5432/driftwatch");
    String secretName = env(container, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName();
    Secret secret = manifests.all(Secret.class).stream()
        .filter(s -> s.getMetadata().getName().equals(secretName)).findFirst().orElseThrow();
    assertThat(decode(secret, "password")).isEqualTo("s3cret-db-password");
    assertThat(manifests.yaml()).doesNotContain("s3cret-db-password");
  }

  @Test
  void existingSecretsReplaceTheChartsSecretsEntirely() {
    Manifests manifests = Chart.render(ci("existing-secrets-values.yaml"), Map.of());
    Container container = service(manifests.deployment().getSpec().getTemplate().getSpec());

    assertThat(manifests.all(Secret.class)).isEmpty();
    assertThat(env(container, "SPRING_DATASOURCE_USERNAME").getValueFrom().getSecretKeyRef())
        .satisfies(ref -> assertThat(List.of(ref.getName(), ref.getKey())).containsExactly("driftwatch-db", "user"));
    assertThat(env(container, "DRIFTWATCH_SECURITY_ADMIN_PASSWORD").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("driftwatch-admin");
    assertThat(env(container, "DRIFTWATCH_BOOTSTRAP_TOKEN").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo("driftwatch-bootstrap");
    assertThat(env(container, "DRIFTWATCH_BOOTSTRAP_PROJECT").getValue()).isEqualTo("fashion-mnist");
    assertThat(env(container, "DRIFTWATCH_ALERTS_WEBHOOK_SECRET").getValueFrom().getSecretKeyRef())
        .satisfies(ref -> assertThat(List.of(ref.getName(), ref.getKey())).containsExactly("driftwatch-webhook", "hmac"));
  }

  @Test
  void adminPasswordIsGeneratedWhenNotGivenAndKeptWhenGiven() {
    Secret generated = appSecret(Chart.render(Map.of()));
    Secret given = appSecret(Chart.render(Map.of("admin.password", "correct-horse-battery")));

    assertThat(decode(generated, "admin-password")).hasSize(32).isAlphanumeric();
    assertThat(decode(given, "admin-password")).isEqualTo("correct-horse-battery");
    assertThat(decode(given, "admin-username")).isEqualTo("admin");
  }

  @Test
  void webhookSecretAndBootstrapAreOnlyWiredWhenAsked() {
    Container plain = service(Chart.render(Map.of()).deployment().getSpec().getTemplate().getSpec());
    Manifests wired = Chart.render(Map.of("alerts.webhook.secret", "hmac-signing-key", "bootstrap.enabled", true));
    Container container = service(wired.deployment().getSpec().getTemplate().getSpec());

    assertThat(plain.getEnv()).extracting("name")
        .doesNotContain("DRIFTWATCH_ALERTS_WEBHOOK_SECRET", "DRIFTWATCH_BOOTSTRAP_TOKEN", "DRIFTWATCH_BOOTSTRAP_PROJECT");
    assertThat(env(container, "DRIFTWATCH_ALERTS_WEBHOOK_SECRET").getValueFrom().getSecretKeyRef().getKey())
        .isEqualTo("webhook-secret");
    assertThat(decode(appSecret(wired), "webhook-secret")).isEqualTo("hmac-signing-key");
    // a generated token has the service's token format: dw_ and 43 URL-safe characters
    assertThat(decode(appSecret(wired), "bootstrap-token")).matches("dw_[A-Za-z0-9_-]{43}");
  }

  @Test
  void autoscalingHandsReplicasToTheHorizontalPodAutoscaler() {
    Manifests fixed = Chart.render(Map.of("replicaCount", 3));
    Manifests scaled = Chart.render(ci("production-values.yaml"), Map.of());

    assertThat(fixed.deployment().getSpec().getReplicas()).isEqualTo(3);
    assertThat(fixed.find(HorizontalPodAutoscaler.class)).isEmpty();
    HorizontalPodAutoscaler hpa = scaled.one(HorizontalPodAutoscaler.class);
    assertThat(hpa.getSpec().getMinReplicas()).isEqualTo(3);
    assertThat(hpa.getSpec().getMaxReplicas()).isEqualTo(10);
    assertThat(hpa.getSpec().getMetrics()).extracting(m -> m.getResource().getName()).containsExactly("cpu", "memory");
    assertThat(scaled.deployment().getSpec().getReplicas()).isNull();
  }

  @Test
  void disruptionBudgetOnlyWhenMoreThanOnePodCanRun() {
    assertThat(Chart.render(ci("single-replica-values.yaml"), Map.of()).find(PodDisruptionBudget.class)).isEmpty();
    assertThat(Chart.render(Map.of()).one(PodDisruptionBudget.class).getSpec().getMinAvailable().getIntVal())
        .isEqualTo(1);
    assertThat(Chart.render(ci("production-values.yaml"), Map.of()).one(PodDisruptionBudget.class)
        .getSpec().getMaxUnavailable().getIntVal()).isEqualTo(1);
  }

  @Test
  void ingressServiceMonitorAndImageDigestInProduction() {
    Manifests manifests = Chart.render(ci("production-values.yaml"), Map.of());
    Deployment deployment = manifests.deployment();

    Ingress ingress = manifests.one(Ingress.class);
    assertThat(ingress.getSpec().getIngressClassName()).isEqualTo("nginx");
    assertThat(ingress.getSpec().getTls()).singleElement()
        .satisfies(tls -> assertThat(tls.getSecretName()).isEqualTo("driftwatch-tls"));
    assertThat(ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService().getName())
        .isEqualTo(deployment.getMetadata().getName());

    GenericKubernetesResource monitor = manifests.custom("ServiceMonitor").orElseThrow();
    assertThat(monitor.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(monitor.getMetadata().getLabels()).containsEntry("release", "kube-prometheus-stack");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "path")).isEqualTo("/actuator/prometheus");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "port")).isEqualTo("http");
    // the scrape token the service requires, from the named Secret, in the endpoint and in the pods
    assertThat(monitor.<String>get("spec", "endpoints", 0, "authorization", "type")).isEqualTo("Bearer");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "authorization", "credentials", "name"))
        .isEqualTo("driftwatch-scrape");
    assertThat(monitor.<String>get("spec", "endpoints", 0, "authorization", "credentials", "key")).isEqualTo("token");
    assertThat(service(deployment.getSpec().getTemplate().getSpec()).getEnv())
        .anySatisfy(e -> {
          assertThat(e.getName()).isEqualTo("DRIFTWATCH_METRICS_SCRAPE_TOKEN");
          assertThat(e.getValueFrom().getSecretKeyRef().getName()).isEqualTo("driftwatch-scrape");
          assertThat(e.getValueFrom().getSecretKeyRef().getKey()).isEqualTo("token");
        });

    assertThat(service(deployment.getSpec().getTemplate().getSpec()).getImage())
        .isEqualTo("registry.example.com/driftwatch/monitor-service@sha256:"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  }

  @Test
  void extraSpringConfigIsAConfigMapMountedAndLoaded() {
    Manifests manifests = Chart.render(ci("production-values.yaml"), Map.of());
    Container container = service(manifests.deployment().getSpec().getTemplate().getSpec());

    assertThat(manifests.one(ConfigMap.class).getData().get("application.yaml")).contains("dev.driftwatch: INFO");
    assertThat(env(container, "SPRING_CONFIG_ADDITIONAL_LOCATION").getValue()).isEqualTo("optional:file:/config/");
    assertThat(container.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/config"));
    assertThat(Chart.render(Map.of()).find(ConfigMap.class)).isEmpty();
  }

  @Test
  void aConfigChangeRollsThePods() {
    String before = checksum(Chart.render(Map.of()).deployment());
    String after = checksum(Chart.render(Map.of("config.server.tomcat.max-threads", 50)).deployment());

    assertThat(before).isNotBlank().isNotEqualTo(after);
  }

  @Test
  void externalDatabaseWithoutUrlOrPasswordFailsWithTheValueToSet() {
    assertThatThrownBy(() -> Chart.template(null, Map.of("database.mode", "external",
        "database.external.url", "jdbc:postgresql://pg/driftwatch")))
        .hasMessageContaining("database.external.password");
  }

  /**
   * The migration Job is a pre-upgrade hook, and helm-java's template prints no hooks; so this renders
   * a copy of the chart with the hook annotation taken out, after checking the original declares it.
   */
  @Test
  void migrationHookJobRunsTheServiceImageWithTheSameEnvironment(@TempDir Path copy) throws IOException {
    Path template = Chart.DIR.resolve("templates/migration-job.yaml");
    String source = Files.readString(template);
    assertThat(source).contains("helm.sh/hook: pre-upgrade");
    copyChart(copy);
    Files.writeString(copy.resolve("templates/migration-job.yaml"), source.replace("helm.sh/hook: pre-upgrade", ""));

    Manifests manifests = Chart.parse(new com.marcnuri.helm.Helm(copy).template().withName(Chart.RELEASE)
        .withNamespace(Chart.NAMESPACE).withValuesFile(ci("migration-job-values.yaml")).call());
    Job job = manifests.one(Job.class);
    Container migrate = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    Container service = service(manifests.deployment().getSpec().getTemplate().getSpec());

    assertThat(UnknownFields.in(job)).isEmpty();
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(migrate.getImage()).isEqualTo(service.getImage());
    assertThat(migrate.getEnv()).isEqualTo(service.getEnv());
    assertThat(migrate.getArgs()).contains("--spring.main.web-application-type=none");
    assertThat(migrate.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(Chart.render(ci("migration-job-values.yaml"), Map.of()).find(Job.class))
        .as("hooks are not part of the release manifest").isEmpty();
  }

  private static void copyChart(Path target) throws IOException {
    try (Stream<Path> files = Files.walk(Chart.DIR)) {
      for (Path file : files.toList()) {
        Path to = target.resolve(Chart.DIR.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(to);
        } else {
          Files.copy(file, to);
        }
      }
    }
  }

  private static Path ci(String file) {
    return Chart.DIR.resolve("ci").resolve(file);
  }

  private static Secret appSecret(Manifests manifests) {
    String name = manifests.deployment().getMetadata().getName();
    return manifests.all(Secret.class).stream().filter(s -> s.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no Secret " + name));
  }

  private static String decode(Secret secret, String key) {
    assertThat(secret.getData()).containsKey(key);
    return new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static String checksum(Deployment deployment) {
    return deployment.getSpec().getTemplate().getMetadata().getAnnotations().get("checksum/config");
  }
}
