package dev.driftwatch.helm;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code helm template} with every values file in {@code ci/}: each rendering parses into valid
 * Kubernetes objects and keeps the chart's promises (probes on actuator, non-root with a read-only
 * root filesystem, a datasource always set, secrets referenced and never inlined).
 */
@Timeout(120)
class CiValuesRenderTest {

  /** Environment variables that carry credentials: they must come from a Secret. */
  private static final Pattern CREDENTIAL_ENV = Pattern.compile(".*(PASSWORD|TOKEN|SECRET|USERNAME)$");

  /** Secrets the values name as existing (created outside the chart). */
  private static final Pattern EXISTING_SECRET = Pattern.compile("existingSecret:\\s*(\\S+)");

  static List<Path> ciValuesFiles() {
    return Chart.ciValuesFiles();
  }

  @Test
  void ciFolderCoversTheVariations() {
    assertThat(ciValuesFiles()).extracting(f -> f.getFileName().toString())
        .contains("bundled-default-values.yaml", "external-db-values.yaml", "existing-secrets-values.yaml",
            "production-values.yaml", "migration-job-values.yaml");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciValuesFiles")
  void rendersOnlyObjectsTheKubernetesModelFullyUnderstands(Path values) {
    Manifests manifests = Chart.render(values, Map.of());

    assertThat(manifests.objects()).isNotEmpty();
    for (HasMetadata object : manifests.objects()) {
      assertThat(UnknownFields.in(object)).as("unknown fields in %s %s", object.getKind(), name(object)).isEmpty();
      assertThat(object.getMetadata().getLabels())
          .as("labels of %s", object.getKind())
          .containsEntry("app.kubernetes.io/instance", Chart.RELEASE)
          .containsEntry("app.kubernetes.io/part-of", "driftwatch");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciValuesFiles")
  void deploymentProbesActuatorAndRunsNonRootOnAReadOnlyRoot(Path values) {
    Deployment deployment = Chart.render(values, Map.of()).deployment();
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container container = service(pod);

    assertThat(container.getPorts()).anySatisfy(port -> {
      assertThat(port.getName()).isEqualTo("http");
      assertThat(port.getContainerPort()).isEqualTo(8080);
    });
    assertHttpProbe(container.getLivenessProbe(), "/actuator/health/liveness");
    assertHttpProbe(container.getReadinessProbe(), "/actuator/health/readiness");

    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isPositive();
    assertThat(container.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();

    // The only writable path under the read-only root is /tmp, an emptyDir.
    assertThat(container.getVolumeMounts()).anySatisfy(mount -> {
      assertThat(mount.getMountPath()).isEqualTo("/tmp");
      assertThat(pod.getVolumes()).anySatisfy(volume -> {
        assertThat(volume.getName()).isEqualTo(mount.getName());
        assertThat(volume.getEmptyDir()).isNotNull();
      });
    });
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getResources().getLimits()).containsKey("memory");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciValuesFiles")
  void datasourceIsAlwaysSetSoTheEmbeddedDatabaseNeverStarts(Path values) {
    Manifests manifests = Chart.render(values, Map.of());
    Container container = service(manifests.deployment().getSpec().getTemplate().getSpec());

    assertThat(env(container, "SPRING_DATASOURCE_URL").getValue()).startsWith("jdbc:postgresql://");
    assertThat(env(container, "SPRING_DATASOURCE_USERNAME").getValueFrom().getSecretKeyRef()).isNotNull();
    assertThat(env(container, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef()).isNotNull();

    manifests.custom("Cluster").ifPresent(cluster -> {
      String clusterName = cluster.getMetadata().getName();
      assertThat(cluster.getApiVersion()).isEqualTo("postgresql.cnpg.io/v1");
      assertThat(env(container, "SPRING_DATASOURCE_URL").getValue())
          .startsWith("jdbc:postgresql://" + clusterName + "-rw:5432/");
      assertThat(env(container, "SPRING_DATASOURCE_PASSWORD").getValueFrom().getSecretKeyRef().getName())
          .isEqualTo(clusterName + "-app");
    });
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciValuesFiles")
  void credentialsAreReferencedFromSecretsThatExistAndNeverInlined(Path values) throws IOException {
    Manifests manifests = Chart.render(values, Map.of());
    Container container = service(manifests.deployment().getSpec().getTemplate().getSpec());
    Set<String> externalSecrets = externalSecrets(values, manifests);

    for (EnvVar env : container.getEnv()) {
      if (!CREDENTIAL_ENV.matcher(env.getName()).matches()) {
        continue;
      }
      assertThat(env.getValue()).as("%s inlined", env.getName()).isNull();
      SecretKeySelector ref = env.getValueFrom().getSecretKeyRef();
      assertThat(ref).as("%s from a Secret", env.getName()).isNotNull();
      if (!externalSecrets.contains(ref.getName())) {
        Secret secret = manifests.all(Secret.class).stream()
            .filter(s -> s.getMetadata().getName().equals(ref.getName())).findFirst()
            .orElseThrow(() -> new AssertionError(env.getName() + " references missing Secret " + ref.getName()));
        assertThat(secret.getData()).as("keys of %s", ref.getName()).containsKey(ref.getKey());
      }
    }

    // No secret value appears anywhere outside the Secrets (ConfigMaps, env values, annotations).
    String outsideSecrets = manifests.objects().stream().filter(o -> !(o instanceof Secret))
        .map(Serialization::asYaml).reduce("", String::concat);
    for (Secret secret : manifests.all(Secret.class)) {
      for (Map.Entry<String, String> entry : secret.getData().entrySet()) {
        // A user name is no secret (it may well be the database name in the URL, too).
        if (entry.getKey().contains("username")) {
          continue;
        }
        String encoded = entry.getValue();
        String plain = new String(Base64.getDecoder().decode(encoded), StandardCharsets.UTF_8);
        if (plain.length() >= 8) {
          assertThat(outsideSecrets).as("a value of Secret %s leaks", name(secret)).doesNotContain(plain, encoded);
        }
      }
    }
    assertThat(manifests.all(ConfigMap.class)).allSatisfy(configMap ->
        assertThat(configMap.getData().values()).noneMatch(v -> v.toLowerCase().contains("password")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("ciValuesFiles")
  void serviceBudgetAndAutoscalerAllPointAtTheDeployment(Path values) {
    Manifests manifests = Chart.render(values, Map.of());
    Deployment deployment = manifests.deployment();
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();

    assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
    Service service = manifests.one(Service.class);
    assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(service.getSpec().getPorts()).singleElement()
        .satisfies(port -> assertThat(port.getTargetPort().getStrVal()).isEqualTo("http"));
    manifests.find(PodDisruptionBudget.class).ifPresent(pdb ->
        assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels()));
    manifests.find(HorizontalPodAutoscaler.class).ifPresent(hpa -> {
      assertThat(hpa.getSpec().getScaleTargetRef().getName()).isEqualTo(name(deployment));
      assertThat(deployment.getSpec().getReplicas()).as("replicas left to the autoscaler").isNull();
    });
  }

  private static void assertHttpProbe(Probe probe, String path) {
    assertThat(probe).as("probe on %s", path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("http");
  }

  /** Secrets the chart does not create: named as existing in the values, or the CloudNativePG app Secret. */
  private static Set<String> externalSecrets(Path values, Manifests manifests) throws IOException {
    Set<String> names = new HashSet<>();
    Matcher matcher = EXISTING_SECRET.matcher(Files.readString(values));
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    manifests.custom("Cluster").map(GenericKubernetesResource::getMetadata)
        .ifPresent(meta -> names.add(meta.getName() + "-app"));
    return names;
  }

  /** The monitor-service container of a pod. */
  static Container service(PodSpec pod) {
    return pod.getContainers().stream().filter(c -> c.getName().equals("monitor-service")).findFirst()
        .orElseThrow(() -> new AssertionError("no monitor-service container"));
  }

  /** One environment variable of a container. */
  static EnvVar env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no env " + name + " in " + container.getName()));
  }

  private static String name(HasMetadata object) {
    return object.getMetadata().getName();
  }
}
