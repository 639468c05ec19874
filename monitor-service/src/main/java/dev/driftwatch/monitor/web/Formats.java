package dev.driftwatch.monitor.web;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.springframework.stereotype.Component;

/** Number and time formatting for the templates, as {@code ${@fmt.x(...)}}; null shows as a dash. */
@Component("fmt")
public class Formats {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
    private static final String NONE = "–";

    /**
     * Formats a time in UTC.
     *
     * @param t the time, may be null
     * @return e.g. {@code 2026-11-27 08:00:00 UTC}
     */
    public String time(Instant t) {
        return t == null ? NONE : TIME.format(t);
    }

    /**
     * Formats a measured value with four significant digits: whole numbers from 1000 to below a million, else
     * {@code %.4g} (so {@code 1.798e+308}, not the 309 digits of the largest double).
     *
     * @param v the value, may be null
     * @return the text
     */
    public String num(Double v) {
        if (v == null || v.isNaN()) {
            return NONE;
        }
        return String.format(Locale.ROOT, Math.abs(v) >= 1000 && Math.abs(v) < 1e6 ? "%.0f" : "%.4g", v);
    }

    /**
     * Formats a confidence interval.
     *
     * @param low the lower bound, may be null
     * @param high the upper bound, may be null
     * @return e.g. {@code [0.3700, 0.4500]}, empty when unknown
     */
    public String ci(Double low, Double high) {
        return low == null || high == null ? "" : "[" + num(low) + ", " + num(high) + "]";
    }

    /**
     * Formats a fraction as a percentage.
     *
     * @param f the fraction in [0, 1]
     * @return e.g. {@code 12.5%}
     */
    public String pct(double f) {
        return String.format(Locale.ROOT, f >= 0.1 ? "%.1f%%" : "%.3g%%", f * 100);
    }

    /**
     * Formats a large count with thousands separators.
     *
     * @param n the count
     * @return e.g. {@code 109,386}
     */
    public String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
