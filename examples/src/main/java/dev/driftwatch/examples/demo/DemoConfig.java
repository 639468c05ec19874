package dev.driftwatch.examples.demo;

import dev.driftwatch.examples.data.FashionMnist;
import java.nio.file.Path;
import java.util.List;

/**
 * What the demo trains: data, sizes, steps and the fine-tuning methods.
 *
 * @param dataDir where the Fashion-MNIST IDX files are
 * @param cacheDir where the pretrained base model (and captured base distributions) are cached
 * @param seed the seed of everything random (engine, sampling, synthetic data, bootstrap)
 * @param pretrainImages training images (all classes) the base is pretrained on
 * @param pretrainEpochs epochs of pretraining
 * @param fineTuneImages the most on-task training images fine-tuning uses (taken after the pretraining ones)
 * @param steps optimiser steps of each fine-tuning run
 * @param roundSteps steps between validations and drift checkpoints
 * @param batchSize examples per training batch
 * @param probesPerClass probe examples per class, from the test split
 * @param validationImages on-task test images (not probes) for the validation loss
 * @param adapterRank rank of the low-rank adapters
 * @param methods the fine-tuning runs, in order
 * @param stepDelayMillis a pause after each step so a person can watch the runs move (0 for none)
 */
public record DemoConfig(
        Path dataDir,
        Path cacheDir,
        long seed,
        int pretrainImages,
        int pretrainEpochs,
        int fineTuneImages,
        int steps,
        int roundSteps,
        int batchSize,
        int probesPerClass,
        int validationImages,
        int adapterRank,
        List<FineTuneMethod> methods,
        long stepDelayMillis) {

    /** Checks the sizes. */
    public DemoConfig {
        if (pretrainImages < 100 || pretrainEpochs < 1 || fineTuneImages < 100 || steps < 1 || roundSteps < 1
                || batchSize < 1 || probesPerClass < 1 || validationImages < 10 || adapterRank < 1
                || stepDelayMillis < 0) {
            throw new IllegalArgumentException("demo sizes out of range: " + this);
        }
        if (methods.isEmpty()) {
            throw new IllegalArgumentException("at least one fine-tuning method is needed");
        }
        methods = List.copyOf(methods);
    }

    /**
     * The full demo: three runs of 900 steps, slowed to about a minute each so a person can watch
     * them move in the UI.
     *
     * @param cacheDir the cache directory
     * @return the settings
     */
    public static DemoConfig standard(Path cacheDir) {
        return new DemoConfig(FashionMnist.DEFAULT_DIRECTORY, cacheDir, 7, 12_000, 3, 16_000, 900, 30, 64, 60, 1_000,
                4, List.of(FineTuneMethod.HEAD, FineTuneMethod.LORA, FineTuneMethod.FULL), 0);
    }

    /**
     * A short demo for tests: small data, a few hundred steps.
     *
     * @param cacheDir the cache directory
     * @return the settings
     */
    public static DemoConfig quick(Path cacheDir) {
        return new DemoConfig(FashionMnist.DEFAULT_DIRECTORY, cacheDir, 7, 6_000, 3, 6_000, 300, 30, 64, 40, 600, 4,
                List.of(FineTuneMethod.HEAD, FineTuneMethod.LORA, FineTuneMethod.FULL), 0);
    }

    /**
     * Returns a copy reading the data from another directory.
     *
     * @param dir the directory
     * @return the copy
     */
    public DemoConfig withDataDir(Path dir) {
        return new DemoConfig(dir, cacheDir, seed, pretrainImages, pretrainEpochs, fineTuneImages, steps, roundSteps,
                batchSize, probesPerClass, validationImages, adapterRank, methods, stepDelayMillis);
    }

    /**
     * Returns a copy with another number of fine-tuning steps.
     *
     * @param n the steps
     * @return the copy
     */
    public DemoConfig withSteps(int n) {
        return new DemoConfig(dataDir, cacheDir, seed, pretrainImages, pretrainEpochs, fineTuneImages, n, roundSteps,
                batchSize, probesPerClass, validationImages, adapterRank, methods, stepDelayMillis);
    }

    /**
     * Returns a copy that pauses after every step.
     *
     * @param millis the pause
     * @return the copy
     */
    public DemoConfig withStepDelay(long millis) {
        return new DemoConfig(dataDir, cacheDir, seed, pretrainImages, pretrainEpochs, fineTuneImages, steps,
                roundSteps, batchSize, probesPerClass, validationImages, adapterRank, methods, millis);
    }
}
