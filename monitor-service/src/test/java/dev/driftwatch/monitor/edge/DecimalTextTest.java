package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

class DecimalTextTest {

    @Test
    void plainDecimalsAreReadAsTheNearestDouble() {
        for (String text : new String[] {"0.5", "-2", "+3", "1e-3", "1E+3", ".5", "5.", " 0.25 ", "1e400", "3e-324",
            "-0.0e-400", "0e-999999", "0.1000000000000000055511151231257827", "123456789012345678901234567890"}) {
            // the reference: the exact decimal, rounded once (BigDecimal is exact; its doubleValue rounds to nearest)
            double expected = new BigDecimal(text.strip()).doubleValue();
            assertThat(DecimalText.parse(text)).as(text).isEqualTo(expected);
        }
        assertThat(DecimalText.parse("1e400")).isInfinite();
        assertThat(DecimalText.parse("3e-324")).isEqualTo(Double.MIN_VALUE); // a subnormal, rounded like any decimal
    }

    @Test
    void aNumberTooSmallForADoubleIsRefusedNotReadAsZero() {
        for (String text : new String[] {"1e-400", "-1e-400", "2e-324", "0.0001e-321", "1e-999999"}) {
            assertThat(new BigDecimal(text).doubleValue()).as(text).isZero(); // what Java would store
            assertThatThrownBy(() -> DecimalText.parse(text)).as(text).isInstanceOf(NumberFormatException.class);
        }
    }

    @Test
    void whatJavaAlsoTakesButNoOneTypesIsRefused() {
        for (String text : new String[] {"0x1p3", "0X10", "0.5d", "2f", "1.0D", "NaN", "Infinity", "-Infinity", "",
            " ", ".", "e5", "1e", "1.2.3", "1,5", "١٢", "0.5\u0000", "--1"}) {
            assertThatThrownBy(() -> DecimalText.parse(text)).as(text).isInstanceOf(NumberFormatException.class);
        }
    }
}
