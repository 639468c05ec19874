package dev.driftwatch.examples.lm;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A vocabulary of words and word pieces: lower-cased words (letters with an optional apostrophe part),
 * numbers and single punctuation characters, the most frequent ones of a text each with an id; a rarer
 * word is spelled in pieces (WordPiece's convention: a first piece, then pieces marked {@value #CONTINUATION}),
 * so the demo's per-token drift shows real text instead of a placeholder. The pieces are every character
 * of the text (first and continuing, so every word of the text can be spelled) and the most useful
 * beginnings and endings of its rarer words; an eighth of the vocabulary goes to them. Only a character
 * the text never had maps to {@value #UNK}. Ids 0-2 are {@value #PAD}, {@value #UNK} and {@value #EOS};
 * {@code EOS} also starts every sequence.
 */
public final class WordVocabulary {

    /** Padding. */
    public static final String PAD = "<pad>";
    /** A character the vocabulary's text never had. */
    public static final String UNK = "<unk>";
    /** Marks a piece that continues a word. */
    public static final String CONTINUATION = "##";
    /** End of a quotation (and start of the next). */
    public static final String EOS = "<eos>";
    /** Id of {@value #PAD}. */
    public static final int PAD_ID = 0;
    /** Id of {@value #UNK}. */
    public static final int UNK_ID = 1;
    /** Id of {@value #EOS}. */
    public static final int EOS_ID = 2;
    /** The special tokens: ids 0 to {@link #EOS_ID}. */
    private static final int SPECIAL_TOKENS = EOS_ID + 1;

    /** Longest piece (in characters) taken from a rarer word's beginning or end. */
    private static final int MAX_PIECE = 6;

    private static final Pattern TOKEN = Pattern.compile("[\\p{L}]+(?:'[\\p{L}]+)?|[0-9]+|[^\\s\\p{L}0-9]");

    private final List<String> tokens;
    private final int words;
    private final Map<String, Integer> ids = new HashMap<>();

    private WordVocabulary(List<String> tokens, int words) {
        this.tokens = List.copyOf(tokens);
        this.words = words;
        for (int i = 0; i < tokens.size(); i++) {
            ids.put(tokens.get(i), i);
        }
    }

    /**
     * Builds the vocabulary of some texts: the most frequent words (ties broken alphabetically, so it is
     * the same for the same texts), and pieces for the rest.
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
        List<String> words = byCount(counts);
        // every character as a first piece, and those that words go on with (letters, digits, the apostrophe)
        // as continuing ones: any word of these characters can be spelled
        SortedSet<String> characters = new TreeSet<>();
        for (String w : words) {
            w.codePoints().forEach(c -> {
                characters.add(Character.toString(c));
                if (Character.isLetterOrDigit(c) || c == '\'') {
                    characters.add(CONTINUATION + Character.toString(c));
                }
            });
        }
        int slots = size - 3;
        int wholeWords = Math.min(words.size(), Math.max(0, slots - Math.max(characters.size(), slots / 8)));
        // pieces of the rarer words (beginnings, and the parts after them), scored by the pieces they save
        Map<String, Integer> saved = new HashMap<>();
        for (String w : words.subList(wholeWords, words.size())) {
            int n = counts.get(w);
            for (int from = 0; from < w.length(); from++) {
                for (int to = from + 2; to <= Math.min(w.length(), from + MAX_PIECE); to++) {
                    if (to - from < w.length() && !splitsAPair(w, from) && !splitsAPair(w, to)) {
                        saved.merge((from == 0 ? "" : CONTINUATION) + w.substring(from, to), n * (to - from - 1),
                                Integer::sum);
                    }
                }
            }
        }
        List<String> tokens = new ArrayList<>(List.of(PAD, UNK, EOS));
        tokens.addAll(words.subList(0, wholeWords));
        Set<String> taken = new HashSet<>(tokens);
        for (String c : characters) {
            if (tokens.size() < size && taken.add(c)) {
                tokens.add(c);
            }
        }
        for (String piece : byCount(saved)) {
            if (tokens.size() >= size) {
                break;
            }
            if (taken.add(piece)) {
                tokens.add(piece);
            }
        }
        return new WordVocabulary(tokens, wholeWords);
    }

    /** Whether a cut of the word before index {@code at} would split a surrogate pair. */
    private static boolean splitsAPair(String word, int at) {
        return at > 0 && at < word.length() && Character.isLowSurrogate(word.charAt(at));
    }

    /** The keys by descending count, ties alphabetically. */
    private static List<String> byCount(Map<String, Integer> counts) {
        List<String> keys = new ArrayList<>(counts.keySet());
        keys.sort(Comparator.<String>comparingInt(counts::get).reversed().thenComparing(Comparator.naturalOrder()));
        return keys;
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
     * @return its token ids, a word outside the vocabulary in pieces, without {@code EOS}
     */
    public int[] encode(String text) {
        List<Integer> out = new ArrayList<>();
        for (String word : split(text)) {
            Integer id = ids.get(word);
            if (id != null) {
                out.add(id);
            } else {
                spell(word, out);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Spells a word outside the vocabulary in pieces, greedily: the longest first piece the vocabulary has
     * (a word or a beginning), then the longest continuing piece, and so on; a character no piece covers
     * is {@link #UNK_ID}.
     */
    private void spell(String word, List<Integer> out) {
        int at = 0;
        while (at < word.length()) {
            Integer found = null;
            int end = word.length();
            for (; end > at; end--) {
                if (splitsAPair(word, end)) {
                    continue;
                }
                String piece = word.substring(at, end);
                found = ids.get(at == 0 ? piece : CONTINUATION + piece);
                if (found != null) {
                    break;
                }
            }
            if (found == null) {
                found = UNK_ID;
                end = at + Character.charCount(word.codePointAt(at));
            }
            out.add(found);
            at = end;
        }
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
     * Returns the number of whole words (the special tokens and the pieces are the rest).
     *
     * @return the words, the most frequent of the text
     */
    public int wordCount() {
        return words;
    }

    /**
     * Returns the number of word pieces (what is neither a special token nor a whole word).
     *
     * @return the pieces that spell the rarer words
     */
    public int pieceCount() {
        return tokens.size() - SPECIAL_TOKENS - words;
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
