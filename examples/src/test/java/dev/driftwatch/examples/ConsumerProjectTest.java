package dev.driftwatch.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Keeps the adoption path honest without building anything: the code blocks of {@code docs/listener.md}
 * that name an example file are that file (the example consumer project, which CI builds and runs
 * through maven-invoker-plugin), and the BOM pins exactly the versions the build tests with.
 */
class ConsumerProjectTest {

    private static final Path ROOT = root();
    /** A fenced block whose info string names the file it shows: {@code ```java source=path[#region]}. */
    private static final Pattern EXAMPLE_BLOCK = Pattern.compile(
            "```[a-z]+ source=([^\\s#]+)(?:#(\\S+))?\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theListenerDocsShowTheExampleProjectsFiles() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/listener.md"));
        Matcher m = EXAMPLE_BLOCK.matcher(doc);
        List<String> shown = new ArrayList<>();
        while (m.find()) {
            Path file = ROOT.resolve(m.group(1));
            String expected = m.group(2) == null ? Files.readString(file) : region(file, m.group(2));
            assertThat(m.group(3)).as("the block of docs/listener.md that shows %s", m.group(1)).isEqualTo(expected);
            shown.add(m.group(1));
        }
        assertThat(shown).contains(
                "examples/consumer/pom.xml",
                "examples/consumer/src/main/java/com/example/finetune/FineTune.java",
                "examples/consumer/src/main/java/com/example/finetune/OfflineFineTune.java");
        // the streaming example comes first, the offline one after it
        assertThat(shown.indexOf("examples/consumer/src/main/java/com/example/finetune/FineTune.java"))
                .isLessThan(shown.indexOf("examples/consumer/src/main/java/com/example/finetune/OfflineFineTune.java"));
    }

    @Test
    void theBomPinsTheVersionsTheBuildTestsWith() throws Exception {
        Element parent = pom(ROOT.resolve("pom.xml"));
        Map<String, String> properties = properties(parent);
        String version = text(parent, "version");
        Element bom = pom(ROOT.resolve("bom/pom.xml"));
        assertThat(text(bom, "version")).isEqualTo(version);

        Map<String, String> pinned = managed(bom, properties(bom));
        assertThat(pinned).containsEntry("dev.driftwatch:driftwatch-trainer-plugin", version)
                .containsEntry("dev.driftwatch:driftwatch-contract", version);
        Map<String, String> tested = managed(parent, properties);
        for (String djl : List.of("ai.djl:api", "ai.djl.pytorch:pytorch-engine", "ai.djl.pytorch:pytorch-jni",
                "ai.djl.pytorch:pytorch-native-cpu:linux-x86_64")) {
            assertThat(pinned.get(djl)).as(djl).isNotNull().isEqualTo(tested.get(djl));
        }
        // every native library of the BOM is the PyTorch version the build tests with
        String pytorch = tested.get("ai.djl.pytorch:pytorch-native-cpu:linux-x86_64");
        pinned.forEach((artifact, v) -> {
            if (artifact.startsWith("ai.djl.pytorch:pytorch-native-")) {
                assertThat(v).as(artifact).isEqualTo(pytorch);
            }
        });
        assertThat(pinned).containsKeys("ai.djl.pytorch:pytorch-native-cu128:linux-x86_64",
                "ai.djl.pytorch:pytorch-native-cu128:win-x86_64");

        // the example project imports this BOM at this version
        Element consumer = pom(ROOT.resolve("examples/consumer/pom.xml"));
        Element imported = (Element) ((Element) consumer.getElementsByTagName("dependencyManagement").item(0))
                .getElementsByTagName("dependency").item(0);
        assertThat(text(imported, "artifactId")).isEqualTo("driftwatch-bom");
        assertThat(text(imported, "version")).isEqualTo(version);
    }

    /** The lines between {@code docs:begin name} and {@code docs:end name}, without skipped parts, de-indented. */
    private static String region(Path file, String name) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> out = new ArrayList<>();
        boolean in = false;
        boolean skipping = false;
        for (String line : lines) {
            if (line.contains("docs:begin " + name)) {
                in = true;
            } else if (line.contains("docs:end " + name)) {
                in = false;
            } else if (in && line.contains("docs:skip-begin")) {
                skipping = true;
            } else if (in && line.contains("docs:skip-end")) {
                skipping = false;
            } else if (in && !skipping) {
                out.add(line);
            }
        }
        assertThat(out).as("region %s of %s", name, file).isNotEmpty();
        int indent = out.stream().filter(l -> !l.isBlank())
                .mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder b = new StringBuilder();
        for (String l : out) {
            b.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        }
        return b.toString();
    }

    /** groupId:artifactId[:classifier] to version, with ${properties} resolved. */
    private static Map<String, String> managed(Element pom, Map<String, String> properties) {
        Map<String, String> out = new LinkedHashMap<>();
        Element dm = (Element) pom.getElementsByTagName("dependencyManagement").item(0);
        NodeList deps = dm.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            String classifier = text(d, "classifier");
            String key = text(d, "groupId") + ":" + text(d, "artifactId") + (classifier == null ? "" : ":" + classifier);
            out.put(key, resolve(text(d, "version"), properties));
        }
        return out;
    }

    private static Map<String, String> properties(Element pom) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("project.version", text(pom, "version"));
        NodeList props = pom.getElementsByTagName("properties");
        if (props.getLength() > 0) {
            for (Node n = props.item(0).getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    out.put(e.getTagName(), e.getTextContent().trim());
                }
            }
        }
        return out;
    }

    private static String resolve(String value, Map<String, String> properties) {
        Matcher m = Pattern.compile("\\$\\{([^}]+)}").matcher(value);
        StringBuilder b = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(b, Matcher.quoteReplacement(properties.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(b).toString();
    }

    /** The text of a direct child element, or null. */
    private static String text(Element parent, String tag) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(tag)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }

    private static Element pom(Path file) throws Exception {
        Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
        return d.getDocumentElement();
    }

    private static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("bom/pom.xml")) && Files.isDirectory(dir.resolve("docs"))) {
                return dir;
            }
        }
        throw new IllegalStateException("not inside the driftwatch checkout");
    }
}
