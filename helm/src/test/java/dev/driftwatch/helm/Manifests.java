package dev.driftwatch.helm;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;

import java.util.List;
import java.util.Optional;

/**
 * The objects of one rendering, with the raw YAML they came from.
 *
 * @param yaml the rendered manifest stream
 * @param objects the parsed objects in rendering order
 */
record Manifests(String yaml, List<HasMetadata> objects) {

  /** All objects of one model type. */
  <T extends HasMetadata> List<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** The only object of one model type, if there is one; fails when there are several. */
  <T extends HasMetadata> Optional<T> find(Class<T> type) {
    List<T> found = all(type);
    if (found.size() > 1) {
      throw new AssertionError("expected at most one " + type.getSimpleName() + ", got " + found.size());
    }
    return found.stream().findFirst();
  }

  /** The only object of one model type; fails when there is none. */
  <T extends HasMetadata> T one(Class<T> type) {
    return find(type).orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " rendered"));
  }

  /** The only custom resource of one kind (e.g. "Cluster"), if rendered. */
  Optional<GenericKubernetesResource> custom(String kind) {
    return all(GenericKubernetesResource.class).stream().filter(r -> kind.equals(r.getKind())).findFirst();
  }

  /** The monitor-service Deployment. */
  Deployment deployment() {
    return one(Deployment.class);
  }
}
