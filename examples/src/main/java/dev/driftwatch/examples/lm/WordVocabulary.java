package dev.driftwatch.examples.lm;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A word-level vocabulary: lower-cased words (letters with an optional apostrophe part), numbers and
 * single punctuation characters, the most frequent ones of a text each with an id; the rest map to
 * {@value #UNK}. Ids 0-2 are {@value #PAD}, {@value #UNK} and {@value #EOS}; {@code EOS} also starts
 * every sequence.
 */
public final class WordVocabulary {

    /** Padding. */
    public static final String PAD = "<pad>";
    /** A word outside the vocabulary. */
    public static final String UNK = "<unk>";
    /** End of a quotation (and start of the next). */
    public static final String EOS = "<eos>";
    /** Id of {@value #PAD}. */
    public static final int PAD_ID = 0;
    /** Id of {@value #UNK}. */
    public static final int UNK_ID = 1;
    /** Id of {@value #EOS}. */
    public static final int EOS_ID = 2;

    private static final Pattern TOKEN = Pattern.compile("[\\p{L}]+(?:'[\\p{L}]+)?|[0-9]+|[^\\s\\p{L}0-9]");

    private final List<String> tokens;
    private final Map<String, Integer> ids = new HashMap<>();

    private WordVocabulary(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
    }

    /**
     * Builds the vocabulary of the {@code size - 3} most frequent tokens of some texts (ties broken
     * alphabetically, so it is the same for the same texts).
     *
     * @param texts the texts
     * @param size the vocabulary size, special tokens included
     * @return the vocabulary
     */
    public static WordVocabulary build(Collection<String> texts, int size) {
        Map<String, Integer> counts = new HashMap<>();
        for (String text : texts) {
            for (String t : split(text)) {
                counts.merge(t, 1, Integer::sum);
            }
        }
        List<String> words = new ArrayList<>(counts.keySet());
        words.sort(Comparator.<String>comparingInt(counts::get).reversed().thenComparing(Comparator.naturalOrder()));
        List<String> tokens = new ArrayList<>(List.of(PAD, UNK, EOS));
        tokens.addAll(words.subList(0, Math.min(words.size(), size - tokens.size())));
        return new WordVocabulary(tokens);
    }

    /**
     * Splits a text into lower-cased tokens.
     *
     * @param text the text
     * @return the tokens
     */
    public static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = TOKEN.matcher(text.toLowerCase(Locale.ROOT));
        while (m.find()) {
            out.add(m.group());
        }
        return out;
    }

    /**
     * Encodes a text.
     *
     * @param text the text
     * @return its token ids (unknown words as {@link #UNK_ID}), without {@code EOS}
     */
    public int[] encode(String text) {
        List<String> words = split(text);
        int[] out = new int[words.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ids.getOrDefault(words.get(i), UNK_ID);
        }
        return out;
    }

    /**
     * Returns the number of tokens, special ones included.
     *
     * @return V
     */
    public int size() {
        return tokens.size();
    }

    /**
     * Returns the tokens by id (what the drift listener shows).
     *
     * @return token i at index i
     */
    public List<String> tokens() {
        return tokens;
    }

    /**
     * Returns the text of a token.
     *
     * @param id the id
     * @return the token
     */
    public String token(int id) {
        return tokens.get(id);
    }
}
