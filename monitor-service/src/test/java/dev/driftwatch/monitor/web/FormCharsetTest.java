package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.UiSession;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A UI form without a declared charset (as browsers send them) is read as UTF-8, the page's charset; before,
 * the edge filter read the parameters before Spring's encoding filter had set UTF-8, and a rule named
 * "café" was stored as "cafÃ©". A UI form's declared charset is honoured when it can be (ISO-8859-1, UTF-8 under any spelling) and is a
 * 415 naming the Content-Type when it cannot: an unknown charset (the web server decoded it as UTF-8 and
 * created the rule) or UTF-16 and UTF-32 (it could not split the body into fields at all, and answered a
 * 400 that blamed the request's method, path or headers). Nothing of a refused form is stored.
 */
class FormCharsetTest extends WebTestBase {

    private static final String PROJECT = "formcharset";
    private static final String RULES = "/projects/" + PROJECT + "/rules";
    private static final String FORM = "application/x-www-form-urlencoded";

    @Test
    void aRuleFormIsReadInItsDeclaredCharsetOrRefusedWith415() {
        UiSession ui = session();

        // a browser declares no charset and sends UTF-8 (the page's): read as UTF-8, not the servlet
        // default ISO-8859-1 (which stored "cafÃ©")
        HttpResponse<String> browser = ui.postForm(RULES, RULES, FORM, rule("caf%C3%A9-browser"));
        assertThat(browser.statusCode()).as(browser.body()).isEqualTo(302);
        // a declared charset is honoured: the same escapes mean different text in different charsets
        HttpResponse<String> latin1 = ui.postForm(RULES, RULES, FORM + "; charset=ISO-8859-1", rule("caf%E9-latin1"));
        assertThat(latin1.statusCode()).as(latin1.body()).isEqualTo(302);
        HttpResponse<String> utf8 = ui.postForm(RULES, RULES, FORM + "; charset=\"utf-8\"", rule("caf%C3%A9-utf8"));
        assertThat(utf8.statusCode()).as(utf8.body()).isEqualTo(302);
        String page = ui.page(RULES);
        assertThat(page).contains("café-browser", "café-latin1", "café-utf8").doesNotContain("Ã");

        for (String charset : new String[] {"UTF-16", "utf-16le", "UTF-32BE", "x-no-such-charset", "\"\""}) {
            String name = "refused-" + charset.replaceAll("[^a-z0-9]", "");
            HttpResponse<String> a = ui.postForm(RULES, RULES, FORM + "; charset=" + charset, rule(name));
            assertThat(a.statusCode()).as(charset + ": " + a.body()).isEqualTo(415);
            assertThat(a.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
            assertThat(a.body()).contains("\"field\":\"Content-Type\"", "declares charset", "UTF-8");
            assertThat(ui.page(RULES)).as("stored after " + charset).doesNotContain(name);
        }
    }

    @Test
    void escapesThatAreNotTextInTheCharsetAreA400NamingTheBodyOrQuery() {
        UiSession ui = session();
        HttpResponse<String> a = ui.postForm(RULES, RULES, FORM, rule("bad%FF%FEbytes"));
        assertThat(a.statusCode()).as(a.body()).isEqualTo(400);
        assertThat(a.body()).contains("\"field\":\"body\"", "UTF-8");
        assertThat(ui.page(RULES)).doesNotContain("bytes");
        // the same in a query string: its parameters are read in UTF-8 too
        HttpResponse<String> q = ui.get(RULES + "?name=bad%FF%FEbytes", "Accept", "application/json");
        assertThat(q.statusCode()).as(q.body()).isEqualTo(400);
        assertThat(q.body()).contains("\"field\":\"query\"", "UTF-8");
        // so are escapes that a lenient decoder would read as text: overlong 'A' (two and three bytes),
        // overlong U+0000, beyond U+10FFFF, an encoded surrogate (the web server's decoder is strict)
        for (String bad : new String[] {"%C1%81", "%E0%81%81", "%C0%80", "%F4%90%80%80", "%ED%A0%80"}) {
            HttpResponse<String> form = ui.postForm(RULES, RULES, FORM, rule("over" + bad + "long"));
            assertThat(form.statusCode()).as(bad + ": " + form.body()).isEqualTo(400);
            assertThat(form.body()).contains("\"field\":\"body\"", "UTF-8");
            HttpResponse<String> query = ui.get(RULES + "?name=over" + bad + "long", "Accept", "application/json");
            assertThat(query.statusCode()).as(bad + ": " + query.body()).isEqualTo(400);
            assertThat(query.body()).contains("\"field\":\"query\"", "UTF-8");
        }
        assertThat(ui.page(RULES)).doesNotContain("long");
    }

    /** A logged-in UI session, with the test's project. */
    private UiSession session() {
        newProject(PROJECT);
        return UiSession.loggedIn("http://localhost:" + port, USER, PASSWORD);
    }

    /** A threshold rule's fields, URL-encoded, named by an already escaped name. */
    private static String rule(String escapedName) {
        return "name=" + escapedName + "&enabled=true&severity=warning&type=threshold&metric=kl_base_ft"
                + "&aggregate=mean&op=above&threshold=0.5&ciAware=true&forCheckpoints=1";
    }
}
