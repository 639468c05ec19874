package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.plugin.probe.ProbeSet;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The LM demo's corpus split, vocabulary and probe masks, on the synthetic corpus (no package needed). */
class LmTaskTest {

    private static final LmConfig CONFIG = LmConfig.quick(Path.of("unused"));

    @Test
    void fortuneFilesSplitAtPercentLines() {
        assertThat(FortuneCorpus.split("one\nline\n%\n\n%\ntwo\n%\n")).containsExactly("one\nline", "two");
    }

    @Test
    void theVocabularyHasEightThousandTokensAndUnknownWordsMapToUnk() {
        LmTask task = LmTask.of(FortuneCorpus.synthetic(CONFIG.neededCategories(), 3), CONFIG);
        WordVocabulary v = task.vocabulary();
        assertThat(v.size()).isEqualTo(8192);
        assertThat(v.tokens().subList(0, 3)).containsExactly(WordVocabulary.PAD, WordVocabulary.UNK, WordVocabulary.EOS);
        String known = v.token(100);
        assertThat(v.encode("Qqqqzz, " + known.toUpperCase(java.util.Locale.ROOT) + ".")).containsExactly(
                WordVocabulary.UNK_ID, v.tokens().indexOf(","), 100, v.tokens().indexOf("."));
    }

    @Test
    void probesScoreOnlyTheContinuationAndAreNeverTrainedOn() {
        LmTask task = LmTask.of(FortuneCorpus.synthetic(CONFIG.neededCategories(), 3), CONFIG);
        ProbeSet probes = task.probes();
        int t = CONFIG.context();
        assertThat(probes.size()).isEqualTo(CONFIG.probesPerSlice() * (1 + CONFIG.offTask().size()));
        assertThat(Collections.frequency(probes.slices(), LmTask.ON_TASK)).isEqualTo(CONFIG.probesPerSlice());
        assertThat(probes.sliceNames()).containsExactly(LmTask.ON_TASK, "off-task/food", "off-task/law",
                "off-task/love", "off-task/sports");
        float[] mask = probes.mask();
        long[] targets = task.probeTargets();
        for (int i = 0; i < probes.size(); i++) {
            int[] row = task.probeTokens().get(i);
            assertThat(row[0]).isEqualTo(WordVocabulary.EOS_ID);
            for (int p = 0; p < t; p++) {
                boolean scored = mask[i * t + p] == 1;
                // position p predicts token p+1: the prompt's positions are never scored
                if (p + 1 <= CONFIG.promptTokens()) {
                    assertThat(scored).isFalse();
                }
                if (scored && p + 1 < t) {
                    assertThat(targets[i * t + p]).isEqualTo(row[p + 1]).isNotEqualTo(WordVocabulary.PAD_ID);
                }
            }
            assertThat(mask[i * t + CONFIG.promptTokens()]).as("the first continuation position").isEqualTo(1f);
        }
        // windows: inputs shifted by one are the targets
        LmTask.Windows w = task.fineTuning();
        for (int j = 0; j + 1 < t; j++) {
            assertThat(w.targets()[j]).isEqualTo(w.inputs()[j + 1]);
        }
    }

    @Test
    void theNeededCategoriesComeFirstInTheSyntheticCorpus() {
        FortuneCorpus corpus = FortuneCorpus.synthetic(List.of("computers", "love"), 1);
        assertThat(corpus.synthetic()).isTrue();
        assertThat(corpus.categories()).containsKeys("computers", "love").hasSize(30);
        assertThat(WordVocabulary.split(String.join(" ", corpus.category("computers")))).hasSizeGreaterThan(2000);
    }
}
