package dev.driftwatch.plugin.testing;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.transformer.IdEmbedding;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.util.Pair;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model whose outputs are exactly the logits a test chooses: one embedding table looked up by input id, so
 * input {@code k} returns row {@code k} of the table, {@code -Inf} included (a lookup does no arithmetic).
 * Probe examples of {@code positions} ids each give {@code [examples, positions, classes]} logits.
 */
public final class LogitTable implements AutoCloseable {

    private final Model model;
    private final Trainer trainer;
    private final int rows;
    private final int classes;
    private final AtomicLong forwards = new AtomicLong();
    private volatile long forwardMillis;
    private final AtomicLong failAt = new AtomicLong(-1);

    /**
     * Creates the model and its trainer, initialised for inputs of {@code positions} ids.
     *
     * @param rows how many ids (rows of logits) there are
     * @param classes V
     * @param positions ids per probe example
     */
    public LogitTable(int rows, int classes, int positions) {
        this.rows = rows;
        this.classes = classes;
        this.model = Model.newInstance("logit-table");
        model.setBlock(new SequentialBlock()
                .add(new IdEmbedding.Builder().setDictionarySize(rows).setEmbeddingSize(classes).build())
                .add(new LambdaBlock(x -> {
                    if (forwards.incrementAndGet() == failAt.get()) {
                        throw new IllegalStateException("forward " + failAt.get() + " fails, as the test asked");
                    }
                    long pause = forwardMillis;
                    if (pause > 0) {
                        try {
                            Thread.sleep(pause);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return x;
                })));
        this.trainer = model.newTrainer(new DefaultTrainingConfig(Loss.l2Loss()));
        trainer.initialize(new Shape(1, positions));
    }

    /**
     * Makes every forward take at least this long, as a real model's forward does (a lookup takes microseconds).
     *
     * @param millis the pause per forward
     */
    public void slowForwards(long millis) {
        this.forwardMillis = millis;
    }

    /**
     * Makes one forward fail.
     *
     * @param n which of the forwards from now fails (1: the next)
     */
    public void failForward(long n) {
        failAt.set(forwards.get() + n);
    }

    /**
     * Returns the trainer a meter measures.
     *
     * @return the trainer
     */
    public Trainer trainer() {
        return trainer;
    }

    /**
     * Counts the forward passes the model has run (initialisation's included).
     *
     * @return the count so far
     */
    public long forwards() {
        return forwards.get();
    }

    /**
     * Sets the table: id k then gives the logits {@code logits[k * classes ..]}.
     *
     * @param logits {@code [rows, classes]}, row-major
     */
    public void set(float[] logits) {
        NDArray weight = null;
        for (Pair<String, Parameter> p : model.getBlock().getParameters()) {
            weight = p.getValue().getArray();
        }
        try (NDManager m = weight.getManager().newSubManager()) {
            m.create(logits, new Shape(rows, classes)).copyTo(weight);
        }
    }

    /**
     * What the model returns for some ids, as a measurement's forward sees it.
     *
     * @param ids the ids, {@code [examples * positions]}
     * @param positions ids per example
     * @return the logits {@code [examples, positions, classes]}, row-major
     */
    public float[] outputs(float[] ids, int positions) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.create(ids, new Shape(ids.length / positions, positions));
            return trainer.evaluate(new NDList(x)).head().toFloatArray();
        }
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
