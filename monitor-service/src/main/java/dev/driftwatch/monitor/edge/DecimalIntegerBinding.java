package dev.driftwatch.monitor.edge;

import java.beans.PropertyEditorSupport;
import java.util.function.Function;
import org.springframework.web.bind.WebDataBinder;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.InitBinder;

/**
 * Whole numbers in the path, the query and the UI's forms are plain decimal, as JSON writes them. Spring's
 * own conversion reads {@code 0x10}, {@code 0X10} and {@code #10} as hexadecimal 16, drops every white space
 * inside the text ({@code "1 0"} is 10) and, through {@link Long#parseLong}, takes non-ASCII digits; so
 * {@code DELETE .../alert-rules/0x1} deleted rule 1. An id or a page number written any other way than in
 * decimal digits is now a 400 like {@code abc}, for {@code int}, {@code long} and their boxes.
 */
@ControllerAdvice
class DecimalIntegerBinding {

    @InitBinder
    void decimalIntegers(WebDataBinder binder) {
        binder.registerCustomEditor(long.class, new Editor(DecimalText::parseLong, false));
        binder.registerCustomEditor(Long.class, new Editor(DecimalText::parseLong, true));
        binder.registerCustomEditor(int.class, new Editor(DecimalText::parseInt, false));
        binder.registerCustomEditor(Integer.class, new Editor(DecimalText::parseInt, true));
    }

    /** Reads decimal digits with an optional sign, and nothing else; beyond the type's range is an error. */
    private static final class Editor extends PropertyEditorSupport {

        private final Function<String, ? extends Number> parse;
        private final boolean emptyIsAbsent;

        Editor(Function<String, ? extends Number> parse, boolean emptyIsAbsent) {
            this.parse = parse;
            this.emptyIsAbsent = emptyIsAbsent;
        }

        @Override
        public void setAsText(String text) {
            if (text == null || text.isEmpty()) {
                if (!emptyIsAbsent) {
                    throw new IllegalArgumentException("a whole number is required");
                }
                setValue(null);
                return;
            }
            setValue(parse.apply(text)); // NumberFormatException (an IllegalArgumentException) when not one
        }

        @Override
        public String getAsText() {
            Object value = getValue();
            return value == null ? "" : value.toString();
        }
    }
}
