package dev.driftwatch.examples.docs;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Scalar;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The metrics table of the API reference (docs/api/README.md, "Metrics") lists exactly the
 * contract's metrics and scalars, each with the unit and range the contract gives it, so the one
 * list of names users read cannot drift from the one the code uses.
 */
class DocMetricsTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([a-z0-9_]+)` \\| [^|]+ \\| ([^|]+) \\| ([^|]+) \\|$");

    @Test
    void theApiReferenceListsEveryMetricWithTheContractsUnitAndRange() throws IOException {
        String page = Files.readString(DocPages.root().resolve("docs/api/README.md"), StandardCharsets.UTF_8);
        int start = page.indexOf("\n## Metrics\n");
        assertThat(start).as("docs/api/README.md has a section ## Metrics").isPositive();
        int end = page.indexOf("\n## ", start + 1);
        Map<String, String> documented = new LinkedHashMap<>();
        for (String line : page.substring(start, end < 0 ? page.length() : end).split("\n")) {
            Matcher m = ROW.matcher(line.strip());
            if (m.matches()) {
                documented.put(m.group(1), m.group(2).strip() + " | " + m.group(3).strip());
            }
        }
        Map<String, String> contract = new LinkedHashMap<>();
        for (Metric m : Metric.values()) {
            contract.put(m.wireName(), m.unit().symbol() + " | " + m.range().text());
        }
        for (Scalar s : Scalar.values()) {
            contract.put(s.wireName(), (s.unit().isEmpty() ? "the trainer's" : s.unit()) + " | " + s.range().text());
        }
        List<String> wrong = new ArrayList<>();
        contract.forEach((name, unitAndRange) -> {
            if (!unitAndRange.equals(documented.get(name))) {
                wrong.add("| `" + name + "` | ... | " + unitAndRange + " |  (documented: " + documented.get(name) + ")");
            }
        });
        documented.keySet().stream().filter(n -> !contract.containsKey(n))
                .forEach(n -> wrong.add("`" + n + "` is documented but the contract has no such metric"));
        System.out.printf("doc metrics: %d metric names with unit and range checked against the contract%n",
                contract.size());
        assertThat(wrong).as("rows of the metrics table in docs/api/README.md to add or fix").isEmpty();
    }

    @Test
    void theIngestionPagesTableNamesEveryMetricOfTheContract() throws IOException {
        String page = Files.readString(DocPages.root().resolve("docs/api/ingestion.md"), StandardCharsets.UTF_8);
        int end = page.indexOf("\nThis table is `dev.driftwatch.contract.Metric`");
        assertThat(end).as("docs/api/ingestion.md says which table is the contract's").isPositive();
        int start = page.lastIndexOf("\n| metric |", end);
        assertThat(start).isPositive();
        List<String> documented = new ArrayList<>();
        for (String line : page.substring(start, end).split("\n")) {
            String[] cells = line.split("\\|");
            if (cells.length > 1) {
                Matcher name = Pattern.compile("`([a-z0-9_]+)`").matcher(cells[1]);
                while (name.find()) {
                    documented.add(name.group(1));
                }
            }
        }
        List<String> contract = new ArrayList<>();
        for (Metric m : Metric.values()) {
            contract.add(m.wireName());
        }
        assertThat(documented).as("the metric names of the table above 'This table is ...' in docs/api/ingestion.md")
                .containsExactlyInAnyOrderElementsOf(contract);
    }
}
