package dev.driftwatch.monitor.alert;

import dev.driftwatch.contract.WireNamed;

import java.util.Optional;

/** How a value is compared with a threshold. */
public enum Op implements WireNamed {

    /** The value must be greater than the threshold. */
    ABOVE("above", ">"),
    /** The value must be smaller than the threshold. */
    BELOW("below", "<");

    private final String wireName;
    private final String sign;

    Op(String wireName, String sign) {
        this.wireName = wireName;
        this.sign = sign;
    }

    /** @return {@code above} or {@code below} */
    public String wireName() {
        return wireName;
    }

    /** @return {@code >} or {@code <} */
    public String sign() {
        return sign;
    }

    /**
     * Compares.
     *
     * @param value the value
     * @param threshold the threshold
     * @return true when the value is on this side of the threshold
     */
    public boolean holds(double value, double threshold) {
        return this == ABOVE ? value > threshold : value < threshold;
    }

    /**
     * Looks an operator up by its JSON name.
     *
     * @param wireName {@code above} or {@code below}
     * @return the operator, or empty
     */
    public static Optional<Op> byName(String wireName) {
        return WireNamed.byName(Op.class, wireName);
    }
}
