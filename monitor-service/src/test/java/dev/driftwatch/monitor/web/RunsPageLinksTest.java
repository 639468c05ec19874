package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.web.RunsPageController.RunListParams;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The runs page's sort and page links keep the filters as typed: decoded the way a servlet decodes a
 * query string (form encoding, {@code +} is a space), each value comes back unchanged.
 */
class RunsPageLinksTest {

    /** A query string as the servlet reads it: split on {@code &} and {@code =}, then form-decoded. */
    private static Map<String, String> servletReads(String link) {
        assertThat(link).startsWith("?");
        Map<String, String> params = new LinkedHashMap<>();
        for (String pair : link.substring(1).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String previous = params.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                    URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            assertThat(previous).as("each parameter once in " + link).isNull();
        }
        return params;
    }

    @Test
    void filtersWithReservedCharactersSurviveSortingAndPaging() {
        String q = "c++ & lora=r8 100% {x} ?#/ é 日本";
        String tag = "a+b&c";
        RunListParams params = new RunListParams(q, "running", "lora+qlora", "flagged", tag, "name", "asc", 3);

        Map<String, String> sorted = servletReads(params.sortLink("maxDrift"));
        assertThat(sorted).containsExactly(Map.entry("q", q), Map.entry("status", "running"),
                Map.entry("method", "lora+qlora"), Map.entry("flag", "flagged"), Map.entry("tag", tag),
                Map.entry("sort", "maxDrift"));

        Map<String, String> flipped = servletReads(params.sortLink("name"));
        assertThat(flipped).containsEntry("q", q).containsEntry("tag", tag).containsEntry("dir", "desc")
                .doesNotContainKey("page");

        Map<String, String> next = servletReads(params.pageLink(4));
        assertThat(next).containsEntry("q", q).containsEntry("tag", tag).containsEntry("sort", "name")
                .containsEntry("dir", "asc").containsEntry("page", "4");
    }

    @Test
    void noFiltersNoQuery() {
        RunListParams params = new RunListParams(null, " ", null, null, null, null, null, null);
        assertThat(params.pageLink(0)).isEqualTo("?");
        assertThat(servletReads(params.sortLink("name"))).containsExactly(Map.entry("sort", "name"));
    }
}
