package dev.driftwatch.examples.lm;

import ai.djl.ndarray.types.Shape;
import dev.driftwatch.plugin.probe.LmProbes;
import dev.driftwatch.plugin.probe.ProbeSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The LM demo's data: the vocabulary, the base's pretraining text, the fine-tuning and validation text
 * of the on-task category and the probe set.
 *
 * <p>Every category's quotations are shuffled (seeded). The first {@code probesPerSlice} of the on-task
 * category and of each off-task category are probes, the next {@code validationQuotes} on-task ones
 * validation; neither is ever trained on. Fine-tuning trains on the rest of the on-task category;
 * pretraining on the rest of every category, but on only one in {@value #PRETRAIN_ON_TASK_EVERY} on-task
 * quotations, so the base knows the fine-tuning topic only roughly and fine-tuning has something to
 * learn.
 *
 * <p>A probe is one quotation: {@code <eos>} then its tokens, cut or padded to T. Output position t
 * predicts token t+1; the first {@code promptTokens} tokens are the prompt, and the mask scores the
 * positions that predict the continuation.
 *
 * @param vocabulary the vocabulary
 * @param pretraining the base's training text
 * @param pretrainValidation held-out text of all categories, for the pretraining loss
 * @param fineTuning the on-task training text
 * @param validation the on-task validation text
 * @param probes the probe set
 * @param probeTokens each probe's input token ids (T each), in probe order
 * @param probeTargets each probe's next-token ids, row-major {@code [N, T]} ({@code <pad>} where not scored), also
 *     given to the probe set ({@code ProbeSet.Builder.optTargets}), so forgetting is measured
 */
public record LmTask(WordVocabulary vocabulary, Windows pretraining, Windows pretrainValidation, Windows fineTuning,
        Windows validation, ProbeSet probes, List<int[]> probeTokens, long[] probeTargets) {

    /** The slice of the fine-tuning category. */
    public static final String ON_TASK = dev.driftwatch.examples.demo.ProgressPrinter.ON_TASK;
    /** The prefix of the off-task slices ({@code off-task/<category>}). */
    public static final String OFF_TASK_PREFIX = dev.driftwatch.examples.demo.ProgressPrinter.OFF_TASK_PREFIX;
    /** Pretraining keeps one in this many on-task quotations. */
    static final int PRETRAIN_ON_TASK_EVERY = 10;
    /** Quotations of each category held out from pretraining for its validation loss. */
    private static final int PRETRAIN_HELD_OUT = 4;

    /**
     * Fixed-length training sequences cut from a token stream: {@code inputs[i]} and {@code targets[i]}
     * (the inputs shifted by one) are T tokens each.
     *
     * @param inputs row-major {@code count * T} input ids
     * @param targets row-major {@code count * T} next-token ids
     * @param length T
     */
    public record Windows(long[] inputs, long[] targets, int length) {
        /**
         * Returns the number of sequences.
         *
         * @return the count
         */
        public int count() {
            return inputs.length / length;
        }

        /**
         * Returns the shape of all sequences.
         *
         * @return {@code [count, T]}
         */
        public Shape shape() {
            return new Shape(count(), length);
        }
    }

    /**
     * Splits the corpus and builds the vocabulary and probes.
     *
     * @param corpus the text
     * @param config the sizes
     * @return the task
     */
    public static LmTask of(FortuneCorpus corpus, LmConfig config) {
        int minTokens = config.promptTokens() + 4;
        List<String> pretrainText = new ArrayList<>();
        List<String> heldOutText = new ArrayList<>();
        List<String> fineTuneText = new ArrayList<>();
        List<String> validationText = new ArrayList<>();
        List<String> probeText = new ArrayList<>();
        List<String> probeIds = new ArrayList<>();
        List<String> probeSlices = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : corpus.categories().entrySet()) {
            String category = e.getKey();
            List<String> quotes = new ArrayList<>(e.getValue());
            Collections.shuffle(quotes, new Random(config.seed() * 31 + category.hashCode()));
            boolean onTask = category.equals(config.onTask());
            boolean probed = onTask || config.offTask().contains(category);
            int probes = 0;
            int validation = 0;
            int heldOut = 0;
            int kept = 0;
            for (int q = 0; q < quotes.size(); q++) {
                String text = quotes.get(q);
                boolean probeable = WordVocabulary.split(text).size() >= minTokens;
                if (probed && probes < config.probesPerSlice() && probeable) {
                    probeText.add(text);
                    probeIds.add(category + "-" + q);
                    probeSlices.add(onTask ? ON_TASK : OFF_TASK_PREFIX + category);
                    probes++;
                } else if (onTask && validation < config.validationQuotes()) {
                    validationText.add(text);
                    validation++;
                } else if (heldOut < PRETRAIN_HELD_OUT && !onTask) {
                    heldOutText.add(text);
                    heldOut++;
                } else if (onTask) {
                    fineTuneText.add(text);
                    if (kept++ % PRETRAIN_ON_TASK_EVERY == 0) {
                        pretrainText.add(text);
                    }
                } else {
                    pretrainText.add(text);
                }
            }
            if (probed && probes < config.probesPerSlice()) {
                throw new IllegalArgumentException("category " + category + " has only " + probes
                        + " quotations of at least " + minTokens + " tokens for " + config.probesPerSlice() + " probes");
            }
        }
        List<String> vocabularyText = new ArrayList<>(pretrainText);
        vocabularyText.addAll(fineTuneText);
        WordVocabulary vocabulary = WordVocabulary.build(vocabularyText, config.vocabulary());
        // training text in a seeded order, so windows mix categories
        Collections.shuffle(pretrainText, new Random(config.seed()));
        int t = config.context();
        List<int[]> tokens = new ArrayList<>();
        LmProbes.Builder probeSet = LmProbes.builder(t).optPadToken(WordVocabulary.PAD_ID);
        for (int i = 0; i < probeText.size(); i++) {
            int[] encoded = withEos(vocabulary.encode(probeText.get(i)));
            tokens.add(Arrays.copyOf(encoded, t)); // the input: cut or padded (PAD_ID is 0)
            long[] full = Arrays.stream(encoded).asLongStream().toArray();
            // <eos> and the promptTokens tokens after it are the prompt; the model is scored on the rest
            int prompt = config.promptTokens() + 1;
            probeSet.add(probeIds.get(i), probeSlices.get(i), Arrays.copyOfRange(full, 0, prompt),
                    Arrays.copyOfRange(full, prompt, full.length));
        }
        // next tokens as targets: task loss, accuracy and forgetting per slice
        ProbeSet probes = probeSet.build();
        long[] targets = probes.targets();
        return new LmTask(vocabulary, windows(vocabulary, pretrainText, t), windows(vocabulary, heldOutText, t),
                windows(vocabulary, fineTuneText, t), windows(vocabulary, validationText, t), probes, tokens, targets);
    }

    /** {@code <eos>} followed by the tokens. */
    private static int[] withEos(int[] encoded) {
        int[] full = new int[encoded.length + 1];
        full[0] = WordVocabulary.EOS_ID;
        System.arraycopy(encoded, 0, full, 1, encoded.length);
        return full;
    }

    /** The texts as one stream ({@code <eos>} before each), cut into windows of T+1 tokens overlapping by one. */
    static Windows windows(WordVocabulary vocabulary, List<String> texts, int t) {
        List<Integer> stream = new ArrayList<>();
        for (String text : texts) {
            stream.add(WordVocabulary.EOS_ID);
            for (int id : vocabulary.encode(text)) {
                stream.add(id);
            }
        }
        int count = Math.max(0, (stream.size() - 1) / t);
        long[] inputs = new long[count * t];
        long[] targets = new long[count * t];
        for (int w = 0; w < count; w++) {
            for (int p = 0; p < t; p++) {
                inputs[w * t + p] = stream.get(w * t + p);
                targets[w * t + p] = stream.get(w * t + p + 1);
            }
        }
        return new Windows(inputs, targets, t);
    }
}
