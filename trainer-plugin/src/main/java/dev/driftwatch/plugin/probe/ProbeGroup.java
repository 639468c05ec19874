package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;

/**
 * Consecutive probe batches whose divergences are computed together: with a small output (a
 * classifier's few classes) one group spans many forward batches, so the per-operation cost of the
 * divergence computation is paid once instead of once per batch.
 *
 * @param offset index of the group's first example in the probe set
 * @param size number of examples
 * @param batches the forward batches, in order
 * @param mask the concatenated mask {@code [size, T]}, or null for classifiers
 */
public record ProbeGroup(int offset, int size, List<ProbeChunk> batches, NDArray mask) {

    /**
     * Groups consecutive batches, {@code batchesPerGroup} at a time.
     *
     * @param chunks the forward batches
     * @param batchesPerGroup batches per group, at least 1
     * @param manager owns the concatenated masks
     * @return the groups
     */
    public static List<ProbeGroup> of(List<ProbeChunk> chunks, int batchesPerGroup, NDManager manager) {
        List<ProbeGroup> groups = new ArrayList<>();
        for (int from = 0; from < chunks.size(); from += batchesPerGroup) {
            List<ProbeChunk> batches = List.copyOf(chunks.subList(from, Math.min(chunks.size(), from + batchesPerGroup)));
            int size = batches.stream().mapToInt(ProbeChunk::size).sum();
            NDArray mask = null;
            if (batches.get(0).mask() != null) {
                if (batches.size() == 1) {
                    mask = batches.get(0).mask();
                } else {
                    NDList masks = new NDList();
                    batches.forEach(b -> masks.add(b.mask()));
                    mask = NDArrays.concat(masks, 0);
                    mask.attach(manager);
                }
            }
            groups.add(new ProbeGroup(batches.get(0).offset(), size, batches, mask));
        }
        return groups;
    }

    /**
     * Temporarily attaches the group's mask to a scoped manager, so everything computed from it is freed
     * with the scope while it stays. (The inputs are attached per forward batch, each in its own scope.)
     *
     * @param scoped the scope
     */
    public void tempAttach(NDManager scoped) {
        if (mask != null) {
            scoped.tempAttachAll(mask);
        }
    }
}
