package dev.driftwatch.monitor.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JsonGenerator;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.databind.ser.std.StdSerializer;

/**
 * Writes a number that is not finite (NaN, an infinity) as JSON null. JSON has no such numbers, and Jackson
 * writes them as the strings {@code "NaN"} and {@code "Infinity"}, in a field a client reads as a number: a
 * number field of the API is a finite number or null. The places that compute numbers say themselves what a
 * result beyond the doubles means (a probe plan's half-width, a forecast past the largest double); this is the
 * net under them, and logs a warning naming the field, since a value that reaches it is a bug to fix where it
 * was computed.
 */
public final class FiniteNumbers {

    private static final Logger log = LoggerFactory.getLogger(FiniteNumbers.class);

    private FiniteNumbers() {}

    /**
     * The Jackson module that writes non-finite doubles and floats (boxed, primitive, and in primitive arrays) as
     * null.
     *
     * @return the module
     */
    public static SimpleModule module() {
        Numbers numbers = new Numbers();
        return new SimpleModule("finite-numbers")
                .addSerializer(Double.class, numbers)
                .addSerializer(Double.TYPE, numbers)
                .addSerializer(Float.class, numbers)
                .addSerializer(Float.TYPE, numbers)
                .addSerializer(double[].class, new DoubleArrays());
    }

    /** Writes one double or float, or null when it is not finite. */
    private static void write(double value, boolean single, JsonGenerator g) {
        if (Double.isFinite(value)) {
            if (single) {
                g.writeNumber((float) value);
            } else {
                g.writeNumber(value);
            }
        } else {
            log.warn("{} at {} written as null: a number field is a finite number or null", value,
                    g.streamWriteContext().pathAsPointer());
            g.writeNull();
        }
    }

    private static final class Numbers extends StdSerializer<Number> {

        Numbers() {
            super(Number.class);
        }

        @Override
        public void serialize(Number value, JsonGenerator g, SerializationContext context) {
            write(value.doubleValue(), value instanceof Float, g);
        }
    }

    private static final class DoubleArrays extends StdSerializer<double[]> {

        DoubleArrays() {
            super(double[].class);
        }

        @Override
        public void serialize(double[] values, JsonGenerator g, SerializationContext context) {
            g.writeStartArray(values, values.length);
            for (double v : values) {
                write(v, false, g);
            }
            g.writeEndArray();
        }
    }
}
