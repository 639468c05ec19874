package dev.driftwatch.monitor.query;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** F13: every cell a spreadsheet would run as a formula is defused, leading tab and CR included. */
class CsvTest {

    @Test
    void everyFormulaStartIsQuotedWithAnApostrophe() {
        for (String formula : new String[] {"=1+1", "+1", "-1+cmd", "@SUM(A1)", "\t=1+1", "\r=1+1"}) {
            String cell = Csv.field(formula);
            assertThat(cell).as(formula).startsWith("\"'");
            assertThat(cell).endsWith("\"");
        }
    }

    @Test
    void plainTextIsLeftAloneAndSeparatorsAreQuoted() {
        assertThat(Csv.field("on-task")).isEqualTo("on-task");
        assertThat(Csv.field("a,b")).isEqualTo("\"a,b\"");
        assertThat(Csv.field("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Csv.field(null)).isEmpty();
    }
}
