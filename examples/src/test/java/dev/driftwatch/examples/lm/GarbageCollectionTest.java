package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.util.Pair;
import dev.driftwatch.examples.demo.Training;
import dev.driftwatch.plugin.loss.SequenceCrossEntropyLoss;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A garbage collection between the forward and the backward pass changes no gradient. DJL's
 * {@code array.mul(2f)} wraps the number in an array over a Java direct buffer and closes it after the
 * multiplication; autograd keeps that array for the backward pass, and once a collection frees the buffer
 * the backward pass reads freed memory (the LM demo's pretraining diverged to NaN, at random, this way).
 * The model's scalars are therefore PyTorch-owned; this test collects, overwrites freed memory, and
 * compares every gradient with an undisturbed pass.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class GarbageCollectionTest {

    @Test
    void aCollectionBetweenForwardAndBackwardChangesNoGradient() {
        Map<String, float[]> quiet = gradients(false);
        Map<String, float[]> collected = gradients(true);
        assertThat(collected.keySet()).isEqualTo(quiet.keySet());
        for (Map.Entry<String, float[]> e : quiet.entrySet()) {
            assertThat(collected.get(e.getKey())).as(e.getKey()).containsExactly(e.getValue());
        }
    }

    /** One forward and backward pass of a small TinyGpt with its adapters trained; the gradients by name. */
    private static Map<String, float[]> gradients(boolean collectInBetween) {
        Engine.getInstance().setRandomSeed(3);
        TinyGpt net = new TinyGpt(50, 8, 16, 2, 2, 2);
        try (Model model = Model.newInstance("gc", "PyTorch")) {
            model.setBlock(net);
            try (Trainer trainer = model.newTrainer(Training.config(new SequenceCrossEntropyLoss(), 1e-3f))) {
                trainer.initialize(new Shape(1, 8));
                long[] ids = new long[4 * 8];
                long[] next = new long[4 * 8];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = (7L * i + 3) % 50;
                    next[i] = (7L * i + 10) % 50;
                }
                NDManager m = trainer.getManager();
                try (NDManager scope = m.newSubManager();
                        GradientCollector collector = trainer.newGradientCollector()) {
                    NDList logits = trainer.forward(new NDList(scope.create(ids, new Shape(4, 8))));
                    NDArray loss = trainer.getLoss().evaluate(new NDList(scope.create(next, new Shape(4, 8))), logits);
                    if (collectInBetween) {
                        collectAndOverwriteFreedMemory();
                    }
                    collector.backward(loss);
                }
                Map<String, float[]> grads = new LinkedHashMap<>();
                for (Pair<String, Parameter> p : net.getParameters()) {
                    NDArray a = p.getValue().getArray();
                    if (a.hasGradient()) {
                        grads.put(p.getKey(), a.getGradient().toFloatArray());
                    }
                }
                assertThat(grads).as("parameters with a gradient").isNotEmpty();
                return grads;
            }
        }
    }

    /**
     * Frees unreachable direct buffers and fills freed native memory with NaN bit patterns. Each round
     * collects until a marker object's reference is enqueued: the reference handler thread, which also
     * runs the direct buffers' cleaners, has then processed that collection.
     */
    private static void collectAndOverwriteFreedMemory() {
        for (int round = 0; round < 3; round++) {
            ReferenceQueue<Object> queue = new ReferenceQueue<>();
            WeakReference<Object> marker = new WeakReference<>(new Object(), queue);
            Reference<?> processed = null;
            for (int attempt = 0; attempt < 100 && processed == null; attempt++) {
                System.gc();
                try {
                    processed = queue.remove(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            assertThat(processed).as("a collection cleared the marker").isSameAs(marker);
        }
        List<ByteBuffer> poison = new ArrayList<>();
        for (int size : new int[] {1, 2, 4, 8, 16, 32, 64}) {
            for (int i = 0; i < 2000; i++) {
                ByteBuffer b = ByteBuffer.allocateDirect(size);
                while (b.hasRemaining()) {
                    b.put((byte) 0xFF);
                }
                poison.add(b);
            }
        }
        assertThat(poison).hasSize(14_000);
    }
}
