package dev.driftwatch.examples.lm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.atIndex;
import static org.assertj.core.api.Assertions.fail;

import dev.driftwatch.plugin.probe.ProbeSet;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The LM demo's corpus split, vocabulary and probe masks, on the synthetic corpus (no package needed) and the real one. */
class LmTaskTest {

    private static final LmConfig CONFIG = LmConfig.quick(Path.of("unused"));

    @Test
    void fortuneFilesSplitAtPercentLines() {
        assertThat(FortuneCorpus.split("one\nline\n%\n\n%\ntwo\n%\n")).containsExactly("one\nline", "two");
    }

    @Test
    void theVocabularyHasEightThousandTokensAndSpellsOtherWordsInPieces() {
        LmTask task = LmTask.of(FortuneCorpus.synthetic(CONFIG.neededCategories(), 3), CONFIG);
        WordVocabulary v = task.vocabulary();
        assertThat(v.size()).isEqualTo(8192);
        assertThat(v.wordCount()).isEqualTo(8189 - 8189 / 8);
        assertThat(v.tokens().subList(0, 3)).containsExactly(WordVocabulary.PAD, WordVocabulary.UNK, WordVocabulary.EOS);
        String known = v.token(100);
        assertThat(v.encode(known.toUpperCase(Locale.ROOT) + ".")).containsExactly(100, v.tokens().indexOf("."));
        // words it does not have, of letters it has: spelled, a first piece then continuing ones, never <unk>
        Random random = new Random(5);
        String letters = "abdefgiklmnoprstuvz";
        for (int i = 0; i < 200; i++) {
            StringBuilder word = new StringBuilder();
            for (int k = 0, n = 4 + random.nextInt(12); k < n; k++) {
                word.append(letters.charAt(random.nextInt(letters.length())));
            }
            int[] ids = v.encode(word.toString());
            assertThat(ids).as(word.toString()).doesNotContain(WordVocabulary.UNK_ID);
            assertThat(spelled(v, ids)).isEqualTo(word.toString());
        }
        // a character the text never had is <unk>, alone
        int[] ids = v.encode("aжa");
        assertThat(ids).hasSize(3).contains(WordVocabulary.UNK_ID, atIndex(1));
        assertThat(v.token(ids[0])).isEqualTo("a");
        assertThat(v.token(ids[2])).isEqualTo(WordVocabulary.CONTINUATION + "a");
    }

    /** The word a sequence of pieces spells: a first piece, then continuing ones without their mark. */
    private static String spelled(WordVocabulary v, int[] ids) {
        StringBuilder word = new StringBuilder(v.token(ids[0]));
        assertThat(word.toString()).doesNotStartWith(WordVocabulary.CONTINUATION);
        for (int i = 1; i < ids.length; i++) {
            assertThat(v.token(ids[i])).startsWith(WordVocabulary.CONTINUATION);
            word.append(v.token(ids[i]).substring(WordVocabulary.CONTINUATION.length()));
        }
        return word.toString();
    }

    @Test
    void onTheFortunesCorpusEveryQuotationIsSpelledWithoutUnk() {
        FortuneCorpus corpus = FortuneCorpus.loadOrSynthesize(FortuneCorpus.DEFAULT_DIRECTORY, CONFIG.neededCategories(), 11);
        if (corpus.synthetic() && "true".equals(System.getenv("CI"))) {
            fail("the fortunes corpus is missing (Debian package " + FortuneCorpus.DEBIAN_PACKAGE + "); CI must run this test");
        }
        Assumptions.assumeFalse(corpus.synthetic(), "the fortunes corpus is not installed");
        LmTask task = LmTask.of(corpus, CONFIG);
        WordVocabulary v = task.vocabulary();
        long words = 0;
        long tokens = 0;
        for (String category : CONFIG.neededCategories()) {
            for (String quotation : corpus.category(category)) {
                List<String> split = WordVocabulary.split(quotation);
                words += split.size();
                for (String word : split) {
                    int[] ids = v.encode(word);
                    assertThat(ids).as(word).doesNotContain(WordVocabulary.UNK_ID);
                    assertThat(spelled(v, ids)).isEqualTo(word);
                    tokens += ids.length;
                }
            }
        }
        System.out.printf(Locale.ROOT, "fortunes vocabulary: %d words of the demo's categories in %d tokens (%.3f per word)%n",
                words, tokens, (double) tokens / words);
        assertThat((double) tokens / words).isBetween(1.0, 1.25);
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
