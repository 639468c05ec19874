package dev.driftwatch.examples.docs;

import dev.driftwatch.examples.docs.MarkdownPage.Fence;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A {@code java} block of the docs as a compilation unit. A block that declares a top-level type
 * is compiled as it is (and run when it has a {@code main} method); any other block is a fragment:
 * its {@code import} lines stay at the top and its statements become the body of
 * {@code static void snippet() throws Exception} in a generated class. The
 * {@code <!-- doc-test ... -->} comment before the block may hold imports and class members
 * (fields, methods) the fragment uses but the docs leave to the reader. A fragment whose info string
 * says {@code run} is run; so is every compilation unit with {@code main}.
 *
 * @param fence the block
 * @param packageName the package it is compiled in (one per block, so that blocks may declare the same names)
 * @param className the generated (or declared) class name
 * @param source the compilation unit
 * @param firstLine the line of the unit where the block's first line is
 * @param runnable whether the test runs it
 * @param hasMain whether it is run through {@code main} (else through {@code snippet()})
 */
record JavaSnippet(Fence fence, String packageName, String className, String source, int firstLine, boolean runnable,
        boolean hasMain) {

    private static final Pattern TYPE = Pattern.compile("(?m)^(?:public\\s+)?(?:final\\s+|abstract\\s+)*(?:class|record|interface|enum)\\s+(\\w+)");
    private static final Pattern MAIN = Pattern.compile("static\\s+void\\s+main\\s*\\(");

    /**
     * Builds the compilation unit of a block.
     *
     * @param f the block
     * @return the snippet
     */
    static JavaSnippet of(Fence f) {
        String name = "Snippet_" + f.page().replaceAll("[^A-Za-z0-9]", "_") + "_" + f.line();
        String pkg = "docsnippets." + name.toLowerCase(java.util.Locale.ROOT);
        List<String> imports = new ArrayList<>();
        List<String> members = new ArrayList<>();
        for (String l : f.hidden().split("\n")) {
            (l.startsWith("import ") ? imports : members).add(l);
        }
        Matcher type = TYPE.matcher(f.content());
        if (type.find()) {
            boolean main = MAIN.matcher(f.content()).find();
            String unit = "package " + pkg + ";\n" + String.join("\n", imports) + "\n";
            return new JavaSnippet(f, pkg, type.group(1), unit + f.content(), count(unit) + 1, main, main);
        }
        List<String> body = new ArrayList<>();
        for (String l : f.content().split("\n", -1)) {
            if (l.startsWith("import ") && body.stream().allMatch(String::isBlank)) {
                imports.add(l);
                body.add(""); // keeps the block's line numbers
            } else {
                body.add(l);
            }
        }
        // keep the block's own lines where they were, so a compiler message points at the doc's line
        StringBuilder b = new StringBuilder("package " + pkg + ";");
        imports.forEach(i -> b.append(' ').append(i));
        b.append(" @SuppressWarnings(\"all\") class ").append(name).append(" {\n");
        members.forEach(m -> b.append(m).append('\n'));
        b.append("static void snippet() throws Exception {\n");
        int first = count(b.toString()) + 1;
        for (String l : body) {
            b.append(l).append('\n');
        }
        b.append("}\npublic static void main(String[] args) throws Exception { snippet(); }}\n");
        return new JavaSnippet(f, pkg, name, b.toString(), first, f.has("run"), false);
    }

    private static int count(String s) {
        return (int) s.chars().filter(c -> c == '\n').count();
    }

    /**
     * Maps a line of the compilation unit to the doc's line.
     *
     * @param unitLine 1-based line in {@link #source}
     * @return the line in the Markdown page (the fence's line + offset), or -1 outside the block
     */
    int docLine(long unitLine) {
        long offset = unitLine - firstLine;
        return offset < 0 ? -1 : fence.line() + 1 + (int) offset;
    }
}
