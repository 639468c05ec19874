package dev.driftwatch.monitor.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.UiSession;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Numbers in the UI's forms are plain decimals: {@code 0x1p3} (Java's hexadecimal 8) and {@code 0.5d} were
 * taken by the rule form and the settings form as the values Java reads them as, and the settings form
 * answered a word in a number field with a bare 400 instead of its own error list.
 */
class FormNumbersTest extends WebTestBase {

    private static final String PROJECT = "formnumbers";
    private static final String FORM = "application/x-www-form-urlencoded";

    @Test
    void aRuleThresholdMustBeADecimalNumber() {
        UiSession ui = session();
        String rules = "/projects/" + PROJECT + "/rules";
        for (String threshold : new String[] {"0x1p3", "0.5d", "abc"}) {
            HttpResponse<String> a = ui.postForm(rules, rules, FORM, "name=hex-" + threshold.hashCode()
                    + "&enabled=true&severity=warning&type=threshold&metric=kl_base_ft&aggregate=mean&op=above"
                    + "&ciAware=true&forCheckpoints=1&threshold=" + threshold);
            assertThat(a.statusCode()).as(threshold).isEqualTo(400); // the form again, with its error
            assertThat(a.body()).as(threshold).contains("condition.threshold must be a number");
            assertThat(ui.page(rules)).doesNotContain("hex-" + threshold.hashCode());
        }
    }

    @Test
    void projectSettingsMustBeDecimalNumbersAndAreNotChangedOtherwise() {
        UiSession ui = session();
        String settings = "/projects/" + PROJECT + "/settings";
        for (String kl : new String[] {"0x1p3", "0.5d", "abc"}) {
            HttpResponse<String> a = ui.postForm(settings, settings, FORM, "name=numbers&trainableFractionThreshold=0.3"
                    + "&klThreshold=" + kl + "&driftFactor=3&lossTolerance=0.1");
            // the form again with its error, a 400, every field as the user sent it (the others' edits kept)
            assertThat(a.statusCode()).as(kl + ": " + a.body()).isEqualTo(400);
            assertThat(a.body()).as(kl).contains("klThreshold must be a decimal number")
                    .contains("value=\"" + kl + "\"").contains("value=\"0.3\"");
            assertThat(ui.page(settings)).as(kl).doesNotContain("value=\"8.0\"").doesNotContain("value=\"0.3\"");
        }
        HttpResponse<String> ok = ui.postForm(settings, settings, FORM, "name=numbers&trainableFractionThreshold=0.1"
                + "&klThreshold=0.75&driftFactor=3&lossTolerance=0.1");
        assertThat(ok.statusCode()).isEqualTo(302);
        assertThat(ui.page(settings)).contains("value=\"0.75\"");
    }

    @Test
    void aRuleIdInThePathIsDecimalOrTheRuleIsLeftAlone() {
        UiSession ui = session();
        String rules = "/projects/" + PROJECT + "/rules";
        HttpResponse<String> made = ui.postForm(rules, rules, FORM, "name=kept-by-id&enabled=true&severity=warning"
                + "&type=threshold&metric=kl_base_ft&aggregate=mean&op=above&ciAware=true&forCheckpoints=1"
                + "&threshold=0.5");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(302);
        Matcher link = Pattern.compile("rules/(\\d+)\">kept-by-id<").matcher(ui.page(rules));
        assertThat(link.find()).isTrue();
        long id = Long.parseLong(link.group(1));
        for (String written : new String[] {"0x" + Long.toHexString(id), "%23" + Long.toHexString(id),
                id + "%20", "%EF%BC%91".repeat(String.valueOf(id).length())}) {
            assertThat(ui.get(rules + "/" + written).statusCode()).as("GET " + written).isEqualTo(400);
            HttpResponse<String> delete = ui.postForm(rules, rules + "/" + written + "/delete", FORM, "");
            assertThat(delete.statusCode()).as("delete " + written + ": " + delete.body()).isEqualTo(400);
        }
        assertThat(ui.page(rules)).contains("kept-by-id");
        assertThat(ui.get(rules + "/" + id).statusCode()).isEqualTo(200);
    }

    @Test
    void aRuleFormsWholeNumbersAreAsciiDecimalAndItsChannelSettingsAreCheckedAsTheyDecode() {
        UiSession ui = session();
        String rules = "/projects/" + PROJECT + "/rules";
        String form = "enabled=true&severity=warning&type=threshold&metric=kl_base_ft&aggregate=mean&op=above"
                + "&ciAware=true&threshold=0.5";
        for (String count : new String[] {"%EF%BC%93", "%D9%A3", "0x3", "3%200"}) { // full-width 3, Arabic-Indic 3
            HttpResponse<String> a = ui.postForm(rules, rules, FORM, "name=count-" + count.hashCode() + "&" + form
                    + "&forCheckpoints=" + count);
            assertThat(a.statusCode()).as(count).isEqualTo(400); // the form again, with its error
            assertThat(a.body()).as(count).contains("for must be a whole number");
            assertThat(ui.page(rules)).doesNotContain("count-" + count.hashCode());
        }
        // "\u0000" is six harmless characters to the edge, and a NUL once the settings' JSON is read: PostgreSQL
        // refused it in the rule's jsonb (a 500); an escape sequence or a lone surrogate was stored
        for (String escaped : new String[] {"%5Cu0000", "%5Cu001b%5B31m", "%5Cud800"}) {
            HttpResponse<String> a = ui.postForm(rules, rules, FORM, "name=slack-" + escaped.hashCode() + "&" + form
                    + "&forCheckpoints=1&channelType=slack&channelUrl=https%3A%2F%2Fhooks.example.com%2Fa"
                    + "&channelSettings=%7B%22channel%22%3A%22x" + escaped + "%22%7D");
            assertThat(a.statusCode()).as(escaped + ": " + a.body()).isEqualTo(400); // the form again, with its error
            assertThat(a.body()).as(escaped).contains("channels[0].settings.channel");
            assertThat(ui.page(rules)).doesNotContain("slack-" + escaped.hashCode());
        }
    }

    @Test
    void aRuleFormsChannelRowsAreTakenAsPostedAndTheirSettingsAsTheApiTakesThem() {
        UiSession ui = session();
        String rules = "/projects/" + PROJECT + "/rules";
        String form = "enabled=true&severity=warning&type=threshold&metric=kl_base_ft&aggregate=mean&op=above"
                + "&ciAware=true&threshold=0.5&forCheckpoints=1&channelType=slack"
                + "&channelUrl=https%3A%2F%2Fhooks.example.com%2Fa";
        // null settings and a null setting were a 500; a key given twice was stored as its last value
        String[][] cases = {{"null", "channels[0].settings must be a JSON object of strings"},
            {"%7B%22channel%22%3Anull%7D", "channels[0].settings must be a JSON object of strings"},
            {"%7B%22channel%22%3A%22%23a%22%2C%22channel%22%3A%22%23b%22%7D",
                "channels[0].settings.channel is given more than once"}};
        for (String[] c : cases) {
            HttpResponse<String> a = ui.postForm(rules, rules, FORM, "name=settings-" + c[0].hashCode() + "&" + form
                    + "&channelSettings=" + c[0]);
            assertThat(a.statusCode()).as(c[0] + ": " + a.body()).isEqualTo(400); // the form again, with its error
            assertThat(a.body()).as(c[0]).contains(c[1]);
            assertThat(ui.page(rules)).doesNotContain("settings-" + c[0].hashCode());
        }
        // one channel row, as a script posts it: a comma in its URL or settings does not split it into rows
        HttpResponse<String> made = ui.postForm(rules, rules, FORM, "name=one-row&enabled=true&severity=warning"
                + "&type=threshold&metric=kl_base_ft&aggregate=mean&op=above&ciAware=true&threshold=0.5"
                + "&forCheckpoints=1&channelType=slack&channelUrl=https%3A%2F%2Fhooks.example.com%2Fx%3Ftags%3Da%2Cb"
                + "&channelSettings=%7B%22channel%22%3A%22%23a%22%2C%22username%22%3A%22dw%22%7D");
        assertThat(made.statusCode()).as(made.body()).isEqualTo(302);
        Matcher link = Pattern.compile("rules/(\\d+)\">one-row<").matcher(ui.page(rules));
        assertThat(link.find()).isTrue();
        String editor = ui.page(rules + "/" + link.group(1));
        assertThat(editor).contains("value=\"https://hooks.example.com/x?tags=a,b\"")
                .contains("&quot;channel&quot;:&quot;#a&quot;").contains("&quot;username&quot;:&quot;dw&quot;");
    }

    @Test
    void aProjectKeyOfDotsOnlyIsRefusedByTheFormAsNoUrlCouldReachIt() {
        UiSession ui = session();
        for (String key : new String[] {".", ".."}) {
            HttpResponse<String> a = ui.postForm("/projects", "/projects", FORM, "key=" + key + "&name=dots");
            // the page again with what was wrong, a 400, the form as sent
            assertThat(a.statusCode()).as(key).isEqualTo(400);
            assertThat(a.body()).contains("not be . or ..").contains("value=\"dots\"");
            assertThat(projects.findByKey(key)).as(key).isEmpty();
        }
        HttpResponse<String> ok = ui.postForm("/projects", "/projects", FORM, "key=...&name=three+dots");
        assertThat(ok.headers().firstValue("location").orElseThrow()).endsWith("/projects/.../runs");
        assertThat(projects.findByKey("...")).isPresent();
    }

    @Test
    void theRunsPageFiltersByATagAsTypedLikeTheRunsTagsItIsComparedWith() {
        Uploads up = newProject("tag-edges");
        up.run("spaced", "spaced run", "full", 100, "nightly ");
        up.run("plain", "plain run", "full", 100, "nightly");
        UiSession ui = UiSession.loggedIn("http://localhost:" + port, USER, PASSWORD);
        String spaced = ui.page("/projects/tag-edges/runs?tag=nightly+");
        assertThat(spaced).contains("spaced run").doesNotContain("plain run");
        String plain = ui.page("/projects/tag-edges/runs?tag=nightly");
        assertThat(plain).contains("plain run").doesNotContain("spaced run");
    }

    /**
     * A runs-list query parameter that is not a number (an audit's finding: "Invalid request content.", the parameter
     * unnamed): a 400 naming it, as every other query parameter's.
     */
    @Test
    void aRunsListPageThatIsNotANumberIsA400NamingIt() {
        UiSession ui = session();
        for (String page : new String[] {"abc", "2147483648", "0x10", "1e3"}) {
            HttpResponse<String> a = ui.get("/projects/" + PROJECT + "/runs?page=" + page);
            assertThat(a.statusCode()).as(page).isEqualTo(400);
            assertThat(a.body()).as(page).contains("\"field\":\"page\"").contains("has an invalid value '" + page + "'")
                    .doesNotContain("Invalid request content");
        }
    }

    /**
     * A number nearer 0 than a double holds ({@code 1e-400}): refused as before, but said so (an audit's finding:
     * "must be a decimal number" for what is one).
     */
    @Test
    void aNumberTooSmallForADoubleIsSaidToBeOne() {
        UiSession ui = session();
        assertThat(refused(ui, "settings", "name=numbers&trainableFractionThreshold=0.1"
                + "&klThreshold=1e-400&driftFactor=3&lossTolerance=0.1"))
                .contains("klThreshold is too small for a double").doesNotContain("must be a decimal");
        assertThat(refused(ui, "rules", "name=tiny&enabled=true&severity=warning"
                + "&type=threshold&metric=kl_base_ft&aggregate=mean&op=above&forCheckpoints=1&threshold=1e-400"))
                .contains("condition.threshold is too small for a double");
    }

    /**
     * The compare page with a metric its menu does not offer (an audit's finding: "Overlay: bogus" over the default
     * metric's lines): a 400 naming it; one it offers is served.
     */
    @Test
    void theComparePageRefusesAMetricItsMenuDoesNotOffer() {
        UiSession ui = session();
        String compare = "/projects/" + PROJECT + "/compare?metric=";
        HttpResponse<String> bogus = ui.get(compare + "bogus", "Accept", "text/html");
        assertThat(bogus.statusCode()).isEqualTo(400);
        assertThat(bogus.body()).contains("metric must be one of").contains("kl_base_ft").doesNotContain("Overlay: bogus");
        assertThat(ui.get(compare + "js", "Accept", "text/html").statusCode()).isEqualTo(200);
    }

    /**
     * A form field sent twice (an audit's finding: Spring joined the values, and the project was renamed
     * "first,second"): a 400 naming the field, nothing changed. The rule editor's channel rows still repeat.
     */
    @Test
    void aFormFieldSentTwiceIsA400() {
        UiSession ui = session();
        assertThat(refused(ui, "settings", "name=first&name=second"
                + "&trainableFractionThreshold=0.1&klThreshold=0.5&driftFactor=3&lossTolerance=0.1"))
                .contains("\"field\":\"name\"").contains("is sent 2 times");
        assertThat(ui.page("/projects/" + PROJECT + "/settings")).doesNotContain("first,second");
        HttpResponse<String> twoChannels = submit(ui, "rules", "name=two-channels&enabled=true"
                + "&severity=warning&type=flag&forCheckpoints=1&channelType=log&channelUrl=&channelSettings="
                + "&channelType=log&channelUrl=&channelSettings=");
        assertThat(twoChannels.statusCode()).as(twoChannels.body()).isEqualTo(302);
        // a value the menu does not offer is no longer taken as "off"
        assertThat(refused(ui, "rules", "name=maybe&enabled=maybe&severity=warning&type=flag&forCheckpoints=1"))
                .contains("enabled must be true or false");
    }

    /** A token name too long: the page again, a 400, saying why and holding the name as sent; no token issued. */
    @Test
    void aTokenNameTooLongIsA400ShowingTheNameAsSent() {
        UiSession ui = session();
        String name = "n".repeat(201);
        assertThat(refused(ui, "tokens", "name=" + name))
                .contains("A token name has 1 to 200 characters.").contains("value=\"" + name + "\"");
        assertThat(ui.page("/projects/" + PROJECT + "/tokens")).doesNotContain(name + "</td>");
    }

    /**
     * A form sent with a stale CSRF token (an audit's finding: a bare "403 Forbidden", the form lost without a word):
     * a session that expired is sent to log in again, and the login page says why; a signed-in user's stale form
     * gets a 403 page saying what happened and what to do. Nothing is saved either way.
     */
    @Test
    void aFormWithAStaleSecurityTokenSaysWhatHappened() {
        UiSession ui = session();
        String settings = "/projects/" + PROJECT + "/settings";
        // (the stale token first: the form's own, appended after it, is not the one read)
        HttpResponse<String> stale = ui.postForm(settings, settings, FORM, "_csrf=stale&name=renamed-by-a-stale-form"
                + "&trainableFractionThreshold=0.1&klThreshold=0.5&driftFactor=3&lossTolerance=0.1");
        assertThat(stale.statusCode()).isEqualTo(403);
        assertThat(stale.body()).contains("expired security token").contains("reload the page");
        assertThat(ui.page(settings)).doesNotContain("renamed-by-a-stale-form");

        UiSession expired = new UiSession("http://localhost:" + port);
        HttpResponse<String> again = expired.postForm("/login", settings, FORM, "_csrf=stale&name=x");
        assertThat(again.statusCode()).isEqualTo(302);
        assertThat(again.headers().firstValue("location").orElseThrow()).endsWith("/login?expired");
        assertThat(expired.page("/login?expired")).contains("Your session had expired");
    }

    /** A sort, direction or flag the runs list's links and menu never send: a 400 naming it, not the default. */
    @Test
    void theRunsListRefusesASortDirectionOrFlagItDoesNotOffer() {
        UiSession ui = session();
        String runs = "/projects/" + PROJECT + "/runs?";
        for (String[] bad : new String[][] {{"sort=bogus", "sort must be one of"}, {"dir=up", "dir must be asc or desc"},
                {"flag=red", "flag must be one of"}}) {
            HttpResponse<String> a = ui.get(runs + bad[0], "Accept", "text/html");
            assertThat(a.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(a.body()).as(bad[0]).contains(bad[1]);
        }
        assertThat(ui.get(runs + "sort=name&dir=asc&flag=drifts-far", "Accept", "text/html").statusCode())
                .isEqualTo(200);
        assertThat(ui.get(runs + "sort=&dir=&flag=", "Accept", "text/html").statusCode()).isEqualTo(200);
    }

    private UiSession session() {
        newProject(PROJECT);
        return UiSession.loggedIn("http://localhost:" + port, USER, PASSWORD);
    }

    /** Posts a form of one of the project's pages, from that page, as its browser does. */
    private static HttpResponse<String> submit(UiSession ui, String page, String form) {
        String path = "/projects/" + PROJECT + "/" + page;
        return ui.postForm(path, path, FORM, form);
    }

    /** Posts a form that must be refused: its 400's page. */
    private static String refused(UiSession ui, String page, String form) {
        HttpResponse<String> answer = submit(ui, page, form);
        assertThat(answer.statusCode()).isEqualTo(400);
        return answer.body();
    }
}
