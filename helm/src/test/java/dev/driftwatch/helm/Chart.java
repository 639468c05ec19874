package dev.driftwatch.helm;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The driftwatch chart as the tests see it: lints it and renders it with helm-java (Helm's own Go
 * code, loaded as a native library: no helm binary needed), and parses the rendered manifests with
 * fabric8's Kubernetes model.
 */
final class Chart {

  /** The chart directory, relative to the helm module (Surefire runs in the module directory). */
  static final Path DIR = Path.of("driftwatch").toAbsolutePath();

  /** The release name every test renders with. */
  static final String RELEASE = "dw";

  /** The namespace every test renders into. */
  static final String NAMESPACE = "drift";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Chart() {
  }

  /** Runs {@code helm lint} on the chart with its default values. */
  static LintResult lint() {
    return new Helm(DIR).lint().strict().call();
  }

  /** The values files under {@code ci/}, one per variation the chart supports. */
  static List<Path> ciValuesFiles() {
    try (Stream<Path> files = Files.list(DIR.resolve("ci"))) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Runs {@code helm template} with an optional values file (null for none) and {@code --set}
   * pairs, returning the rendered YAML; throws {@link IllegalStateException} with Helm's message
   * when rendering or schema validation fails.
   */
  static String template(Path valuesFile, Map<String, Object> sets) {
    TemplateCommand command = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
    if (valuesFile != null) {
      command = command.withValuesFile(valuesFile);
    }
    for (Map.Entry<String, Object> set : sets.entrySet()) {
      command = command.set(set.getKey(), set.getValue());
    }
    return command.call();
  }

  /** Renders like {@link #template} and parses each document into its Kubernetes model type. */
  static Manifests render(Path valuesFile, Map<String, Object> sets) {
    return parse(template(valuesFile, sets));
  }

  /** Renders the chart with only {@code --set} pairs over its default values. */
  static Manifests render(Map<String, Object> sets) {
    return render(null, sets);
  }

  /**
   * Parses a multi-document manifest stream. Kinds the model knows become typed objects
   * (Deployment, Service, ...); custom resources (CloudNativePG, prometheus-operator) become
   * {@code GenericKubernetesResource}.
   */
  static Manifests parse(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    // Helm separates documents with "---" lines, each preceded by a "# Source:" comment.
    for (String document : yaml.split("(?m)^---\\s*$")) {
      if (document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        continue;
      }
      Object parsed = SERIALIZATION.unmarshal(document);
      if (!(parsed instanceof HasMetadata object)) {
        throw new IllegalStateException("not a Kubernetes object: " + document);
      }
      objects.add(object);
    }
    return new Manifests(yaml, objects);
  }
}
