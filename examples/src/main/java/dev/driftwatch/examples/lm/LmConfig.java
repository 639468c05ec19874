package dev.driftwatch.examples.lm;

import java.nio.file.Path;
import java.util.List;

/**
 * What the LM demo trains: corpus, model size, steps, probes and the fine-tuning methods.
 *
 * @param corpusDir the fortunes directory
 * @param cacheDir where the pretrained base (and captured base distributions) are cached
 * @param seed the seed of everything random
 * @param onTask the category fine-tuning trains on (the on-task probe slice)
 * @param offTask the categories of the off-task probe slices
 * @param vocabulary the vocabulary size V, special tokens included
 * @param context the sequence length T
 * @param width the model width d
 * @param heads attention heads per layer
 * @param depth transformer layers
 * @param adapterRank rank of the attention projections' adapters
 * @param pretrainSteps optimiser steps of pretraining
 * @param steps optimiser steps of each fine-tuning run
 * @param roundSteps steps between validations and drift checkpoints
 * @param batchSize sequences per training batch
 * @param probesPerSlice probe quotations per slice
 * @param promptTokens tokens of each probe that are prompt (not scored); the rest is the continuation
 * @param validationQuotes on-task quotations (not probes) for the validation loss
 * @param methods the fine-tuning runs, in order
 * @param stepDelayMillis a pause after each fine-tuning step so a person can watch (0 for none)
 */
public record LmConfig(
        Path corpusDir,
        Path cacheDir,
        long seed,
        String onTask,
        List<String> offTask,
        int vocabulary,
        int context,
        int width,
        int heads,
        int depth,
        int adapterRank,
        int pretrainSteps,
        int steps,
        int roundSteps,
        int batchSize,
        int probesPerSlice,
        int promptTokens,
        int validationQuotes,
        List<LmMethod> methods,
        long stepDelayMillis) {

    /** Checks the sizes. */
    public LmConfig {
        offTask = List.copyOf(offTask);
        methods = List.copyOf(methods);
        if (vocabulary < 8 || context < promptTokens + 2 || width < 1 || heads < 1 || depth < 1 || adapterRank < 1
                || pretrainSteps < 1 || steps < 1 || roundSteps < 1 || batchSize < 1 || probesPerSlice < 1
                || promptTokens < 1 || validationQuotes < 1 || stepDelayMillis < 0 || methods.isEmpty()
                || offTask.isEmpty() || offTask.contains(onTask)) {
            throw new IllegalArgumentException("LM demo settings out of range: " + this);
        }
    }

    /** The fine-tuning category: quotations about computers (about 1,000 of them). */
    public static final String ON_TASK = "computers";
    /** Off-task categories: unrelated topics. */
    public static final List<String> OFF_TASK = List.of("food", "law", "love", "sports");

    /**
     * The demo as the main job runs it: the quick settings (the main job shows both demos within six
     * minutes on two cores; {@code --steps} and {@code --step-delay} make the runs longer).
     *
     * @param cacheDir the cache directory
     * @return the settings
     */
    public static LmConfig standard(Path cacheDir) {
        return quick(cacheDir);
    }

    /**
     * The short LM demo (what the end-to-end test trains): an 8k-word vocabulary, a two-layer model of
     * width 64, about two minutes of CPU for pretraining and three fine-tuning runs.
     *
     * @param cacheDir the cache directory
     * @return the settings
     */
    public static LmConfig quick(Path cacheDir) {
        return new LmConfig(FortuneCorpus.DEFAULT_DIRECTORY, cacheDir, 11, ON_TASK, OFF_TASK, 8192, 32, 64, 4, 2, 4,
                400, 100, 20, 16, 24, 6, 80, List.of(LmMethod.LORA, LmMethod.LAST_BLOCK, LmMethod.FULL), 0);
    }

    /**
     * Returns a copy reading the corpus from another directory.
     *
     * @param dir the directory
     * @return the copy
     */
    public LmConfig withCorpusDir(Path dir) {
        return new LmConfig(dir, cacheDir, seed, onTask, offTask, vocabulary, context, width, heads, depth,
                adapterRank, pretrainSteps, steps, roundSteps, batchSize, probesPerSlice, promptTokens,
                validationQuotes, methods, stepDelayMillis);
    }

    /**
     * Returns a copy with another number of fine-tuning steps.
     *
     * @param n the steps
     * @return the copy
     */
    public LmConfig withSteps(int n) {
        return new LmConfig(corpusDir, cacheDir, seed, onTask, offTask, vocabulary, context, width, heads, depth,
                adapterRank, pretrainSteps, n, roundSteps, batchSize, probesPerSlice, promptTokens, validationQuotes,
                methods, stepDelayMillis);
    }

    /**
     * Returns a copy with another number of probe quotations per slice.
     *
     * @param n the probes per slice
     * @return the copy
     */
    public LmConfig withProbesPerSlice(int n) {
        return new LmConfig(corpusDir, cacheDir, seed, onTask, offTask, vocabulary, context, width, heads, depth,
                adapterRank, pretrainSteps, steps, roundSteps, batchSize, n, promptTokens, validationQuotes, methods,
                stepDelayMillis);
    }

    /**
     * Returns a copy that pauses after every fine-tuning step.
     *
     * @param millis the pause
     * @return the copy
     */
    public LmConfig withStepDelay(long millis) {
        return new LmConfig(corpusDir, cacheDir, seed, onTask, offTask, vocabulary, context, width, heads, depth,
                adapterRank, pretrainSteps, steps, roundSteps, batchSize, probesPerSlice, promptTokens,
                validationQuotes, methods, millis);
    }

    /**
     * Returns every category the demo needs from the corpus.
     *
     * @return the on-task category, then the off-task ones
     */
    public List<String> neededCategories() {
        return java.util.stream.Stream.concat(java.util.stream.Stream.of(onTask), offTask.stream()).toList();
    }
}
