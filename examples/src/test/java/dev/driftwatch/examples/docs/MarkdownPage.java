package dev.driftwatch.examples.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One Markdown page of the documentation, split into what the doc tests check: its fenced code
 * blocks (with their info strings and the hidden {@code <!-- doc-test ... -->} comment before them),
 * its links and the anchors its headings define (GitHub's rules).
 *
 * @param file the file
 * @param name the path relative to the repository root, with forward slashes
 * @param fences the fenced code blocks, in order
 * @param links the links and images, in order (outside code)
 * @param anchors the anchors a link {@code page.md#anchor} may name
 */
record MarkdownPage(Path file, String name, List<Fence> fences, List<Link> links, Set<String> anchors) {

    private static final Pattern FENCE_OPEN = Pattern.compile("^( {0,12})(`{3,}|~{3,})\\s*(.*)$");
    private static final Pattern HEADING = Pattern.compile("^ {0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$");
    private static final Pattern INLINE_CODE = Pattern.compile("(`+)(.+?)\\1");
    private static final Pattern LINK = Pattern.compile("!?\\[((?:[^\\[\\]]|\\[[^\\]]*\\])*)\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+\"[^\"]*\")?\\s*\\)");
    private static final Pattern HTML_ANCHOR = Pattern.compile("<a\\s+(?:name|id)=\"([^\"]+)\"");
    private static final Pattern HTML_LINK = Pattern.compile("<(?:a|img)\\s[^>]*(?:href|src)=\"([^\"]+)\"");

    /**
     * A fenced code block.
     *
     * @param page the page's name
     * @param line the 1-based line of the opening fence
     * @param language the first word of the info string ("" when there is none)
     * @param words the other words of the info string: flags ({@code run}) and {@code key=value} attributes
     * @param content the lines between the fences, the fence's indentation removed
     * @param hidden the text of a {@code <!-- doc-test ... -->} comment right before the fence, or ""
     */
    record Fence(String page, int line, String language, List<String> words, String content, String hidden) {

        /** @return where the block starts, {@code page:line} */
        String where() {
            return page + ":" + line;
        }

        /**
         * Tells whether the info string carries a bare word.
         *
         * @param flag e.g. {@code run}
         * @return true when present
         */
        boolean has(String flag) {
            return words.contains(flag);
        }

        /**
         * Returns an attribute of the info string.
         *
         * @param key e.g. {@code file}
         * @return the value, or null
         */
        String attribute(String key) {
            for (String w : words) {
                if (w.startsWith(key + "=")) {
                    return w.substring(key.length() + 1);
                }
            }
            return null;
        }
    }

    /**
     * A link or image target.
     *
     * @param page the page's name
     * @param line the 1-based line
     * @param target the target as written
     */
    record Link(String page, int line, String target) {}

    /**
     * Reads and splits a page.
     *
     * @param root the repository root
     * @param file the Markdown file
     * @return the page
     */
    static MarkdownPage read(Path root, Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String name = root.relativize(file).toString().replace('\\', '/');
        String[] lines = text.split("\n", -1);
        List<Fence> fences = new ArrayList<>();
        List<Link> links = new ArrayList<>();
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> slugCounts = new HashMap<>();
        for (int i = 0; i < lines.length; i++) {
            Matcher open = FENCE_OPEN.matcher(lines[i]);
            if (open.matches() && !(open.group(2).startsWith("`") && open.group(3).contains("`"))) {
                int indent = open.group(1).length();
                String marker = open.group(2);
                String[] info = open.group(3).trim().isEmpty() ? new String[0] : open.group(3).trim().split("\\s+");
                StringBuilder content = new StringBuilder();
                int j = i + 1;
                for (; j < lines.length; j++) {
                    String l = lines[j];
                    String stripped = l.strip();
                    if (stripped.startsWith(marker.substring(0, 1).repeat(marker.length()))
                            && stripped.chars().allMatch(c -> c == marker.charAt(0))
                            && leadingSpaces(l) <= indent + 3) {
                        break;
                    }
                    content.append(l.substring(Math.min(indent, leadingSpaces(l)))).append('\n');
                }
                fences.add(new Fence(name, i + 1, info.length == 0 ? "" : info[0].toLowerCase(Locale.ROOT),
                        info.length <= 1 ? List.of() : List.of(info).subList(1, info.length),
                        content.toString(), hiddenBefore(lines, i)));
                i = j;
                continue;
            }
            String line = lines[i];
            Matcher h = HEADING.matcher(line);
            if (h.matches()) {
                String slug = slug(h.group(2));
                int n = slugCounts.merge(slug, 1, Integer::sum);
                anchors.add(n == 1 ? slug : slug + "-" + (n - 1));
            }
            Matcher a = HTML_ANCHOR.matcher(line);
            while (a.find()) {
                anchors.add(a.group(1));
            }
            String prose = INLINE_CODE.matcher(line).replaceAll("");
            Matcher l = LINK.matcher(prose);
            while (l.find()) {
                links.add(new Link(name, i + 1, l.group(2)));
            }
            Matcher hl = HTML_LINK.matcher(prose);
            while (hl.find()) {
                links.add(new Link(name, i + 1, hl.group(1)));
            }
        }
        return new MarkdownPage(file, name, List.copyOf(fences), List.copyOf(links), anchors);
    }

    /**
     * Returns the text of a {@code <!-- doc-test ... -->} comment that ends on the last non-blank line
     * before {@code fenceLine}, without the first line's {@code doc-test} word.
     */
    private static String hiddenBefore(String[] lines, int fenceLine) {
        int end = fenceLine - 1;
        while (end >= 0 && lines[end].isBlank()) {
            end--;
        }
        if (end < 0 || !lines[end].strip().endsWith("-->")) {
            return "";
        }
        int start = end;
        while (start >= 0 && !lines[start].contains("<!--")) {
            start--;
        }
        if (start < 0) {
            return "";
        }
        StringBuilder b = new StringBuilder();
        for (int k = start; k <= end; k++) {
            b.append(lines[k]).append('\n');
        }
        String comment = b.toString().strip();
        comment = comment.substring(comment.indexOf("<!--") + 4, comment.lastIndexOf("-->")).strip();
        if (!comment.startsWith("doc-test")) {
            return "";
        }
        return comment.substring("doc-test".length()).strip() + "\n";
    }

    private static int leadingSpaces(String s) {
        int n = 0;
        while (n < s.length() && s.charAt(n) == ' ') {
            n++;
        }
        return n;
    }

    /**
     * GitHub's anchor of a heading: the text without Markdown markup, lower case, without
     * punctuation other than {@code -} and {@code _}, spaces as {@code -}.
     *
     * @param heading the heading's text as written
     * @return the anchor
     */
    static String slug(String heading) {
        String text = heading.replaceAll("!?\\[([^\\]]*)\\]\\([^)]*\\)", "$1") // links → their text
                .replaceAll("<[^>]+>", "")                                          // inline HTML
                .replace("`", "").replace("*", "");
        text = text.replaceAll("(?<![\\p{L}\\p{N}])_+|_+(?![\\p{L}\\p{N}])", ""); // emphasis underscores
        StringBuilder b = new StringBuilder();
        for (int cp : text.toLowerCase(Locale.ROOT).codePoints().toArray()) {
            if (Character.isLetterOrDigit(cp) || cp == '-' || cp == '_') {
                b.appendCodePoint(cp);
            } else if (cp == ' ') {
                b.append('-');
            }
        }
        return b.toString();
    }

    /**
     * Returns the fences of one language.
     *
     * @param language e.g. {@code java}
     * @return them, in order
     */
    List<Fence> fences(String language) {
        return fences.stream().filter(f -> f.language().equals(language)).toList();
    }

    /** @return the languages of the page's fences with their counts, for messages */
    Map<String, Integer> languageCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        fences.forEach(f -> counts.merge(f.language(), 1, Integer::sum));
        return counts;
    }
}
