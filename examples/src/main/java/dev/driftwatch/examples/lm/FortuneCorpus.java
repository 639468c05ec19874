package dev.driftwatch.examples.lm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The LM demo's text: the quotations of Debian's {@code fortunes} package, one list per category
 * file ({@code /usr/share/games/fortunes/computers}, {@code .../love}, ...; quotations separated by
 * lines holding only {@code %}), or, when the package is missing, a synthetic stand-in with the same
 * structure so the demo still runs end to end.
 *
 * @param categories the quotations of each category, categories sorted by name
 * @param synthetic true when the package was missing and the text is made up
 * @param source where the text came from, for messages
 */
public record FortuneCorpus(Map<String, List<String>> categories, boolean synthetic, String source) {

    /** Where the {@code fortunes} package installs its category files. */
    public static final Path DEFAULT_DIRECTORY = Path.of("/usr/share/games/fortunes");
    /** The Debian package with the corpus. */
    public static final String DEBIAN_PACKAGE = "fortunes";

    /** Copies the lists. */
    public FortuneCorpus {
        Map<String, List<String>> copy = new LinkedHashMap<>();
        categories.forEach((k, v) -> copy.put(k, List.copyOf(v)));
        categories = java.util.Collections.unmodifiableMap(copy);
    }

    /**
     * Tells whether a directory holds the categories the demo needs.
     *
     * @param directory the fortunes directory
     * @param needed category names
     * @return true when every needed category file is there
     */
    public static boolean isAvailable(Path directory, List<String> needed) {
        return needed.stream().allMatch(c -> Files.isRegularFile(directory.resolve(c)));
    }

    /**
     * Loads the corpus, or synthesizes one when the needed categories are missing.
     *
     * @param directory the fortunes directory
     * @param needed the categories the demo cannot do without
     * @param seed the seed of the synthetic corpus
     * @return the corpus
     */
    public static FortuneCorpus loadOrSynthesize(Path directory, List<String> needed, long seed) {
        return isAvailable(directory, needed) ? load(directory) : synthetic(needed, seed);
    }

    /**
     * Reads every category file of a fortunes directory (plain files without an extension; the
     * {@code .dat} indexes and {@code .u8} links are skipped).
     *
     * @param directory the directory
     * @return the corpus
     * @throws UncheckedIOException when it cannot be read
     */
    public static FortuneCorpus load(Path directory) {
        Map<String, List<String>> categories = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path f : files.sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.contains(".") || Files.isSymbolicLink(f) || !Files.isRegularFile(f)) {
                    continue;
                }
                List<String> quotes = split(Files.readString(f, StandardCharsets.UTF_8));
                if (!quotes.isEmpty()) {
                    categories.put(name, quotes);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the fortunes in " + directory + ": " + e.getMessage(), e);
        }
        return new FortuneCorpus(categories, false, "Debian fortunes from " + directory);
    }

    /** Splits a fortune file at its {@code %} lines. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.strip().equals("%")) {
                add(out, current);
                current.setLength(0);
            } else {
                current.append(line).append('\n');
            }
        }
        add(out, current);
        return out;
    }

    private static void add(List<String> out, StringBuilder quote) {
        String q = quote.toString().strip();
        if (!q.isEmpty()) {
            out.add(q);
        }
    }

    /**
     * Makes a synthetic corpus: 30 categories (the needed ones among them) of sentences over 9,000
     * made-up words. Each category prefers its own 300 words and follows its own word-to-word habits, so
     * a language model can learn the categories apart and fine-tuning on one has something to learn.
     * Deterministic for a seed.
     *
     * @param needed category names that must be present
     * @param seed the seed
     * @return the corpus
     */
    public static FortuneCorpus synthetic(List<String> needed, long seed) {
        Random random = new Random(seed);
        int categoriesCount = 30;
        int perCategory = 300;
        List<String> words = new ArrayList<>();
        String[] consonants = {"b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z"};
        String[] vowels = {"a", "e", "i", "o", "u"};
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (words.size() < categoriesCount * perCategory) {
            StringBuilder w = new StringBuilder();
            int syllables = 1 + random.nextInt(3);
            for (int s = 0; s < syllables; s++) {
                w.append(consonants[random.nextInt(consonants.length)]).append(vowels[random.nextInt(vowels.length)]);
            }
            if (seen.add(w.toString())) {
                words.add(w.toString());
            }
        }
        List<String> names = new ArrayList<>(needed);
        for (int c = 0; names.size() < categoriesCount; c++) {
            if (!names.contains("topic-" + c)) {
                names.add("topic-" + c);
            }
        }
        Map<String, List<String>> categories = new TreeMap<>();
        for (int c = 0; c < categoriesCount; c++) {
            List<String> own = words.subList(c * perCategory, (c + 1) * perCategory);
            int[] next = new int[perCategory];
            for (int i = 0; i < perCategory; i++) {
                next[i] = random.nextInt(perCategory);
            }
            List<String> quotes = new ArrayList<>();
            int count = 150 + random.nextInt(100);
            for (int q = 0; q < count; q++) {
                StringBuilder text = new StringBuilder();
                int length = 12 + random.nextInt(30);
                int w = zipf(random, perCategory);
                for (int t = 0; t < length; t++) {
                    // half the time the category's habitual successor, else a Zipf draw: learnable, not trivial
                    w = random.nextBoolean() ? next[w] : zipf(random, perCategory);
                    text.append(t == 0 ? "" : " ").append(random.nextInt(8) == 0
                            ? words.get(random.nextInt(words.size())) : own.get(w));
                    if (random.nextInt(10) == 0) {
                        text.append(random.nextBoolean() ? "," : ".");
                    }
                }
                quotes.add(text.append('.').toString());
            }
            categories.put(names.get(c), quotes);
        }
        return new FortuneCorpus(categories, true, "synthetic text (seed " + seed + ")");
    }

    /** A Zipf-like draw from 0..n-1 (small indices are common). */
    private static int zipf(Random random, int n) {
        return (int) Math.min(n - 1, Math.floor(Math.exp(random.nextDouble() * Math.log(n + 1)) - 1));
    }

    /**
     * Returns one category's quotations.
     *
     * @param category the name
     * @return the quotations
     * @throws IllegalArgumentException when the corpus has no such category
     */
    public List<String> category(String category) {
        List<String> q = categories.get(category);
        if (q == null) {
            throw new IllegalArgumentException("the corpus has no category " + category + "; it has "
                    + categories.keySet());
        }
        return q;
    }
}
