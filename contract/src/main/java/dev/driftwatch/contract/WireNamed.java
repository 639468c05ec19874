package dev.driftwatch.contract;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An enum constant with a name on the wire (JSON, query parameters, stored rows), e.g. {@code p90} for
 * {@link Statistic#P90}; the one lookup by that name every such enum uses.
 */
public interface WireNamed {

    /** @return the constant's name on the wire */
    String wireName();

    /**
     * Looks a constant up by its wire name.
     *
     * @param <E> the enum
     * @param type the enum's class
     * @param wireName the name
     * @return the constant, or empty when no constant has that name
     */
    static <E extends Enum<E> & WireNamed> Optional<E> byName(Class<E> type, String wireName) {
        for (E e : type.getEnumConstants()) {
            if (e.wireName().equals(wireName)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }

    /**
     * Lists every wire name of an enum, in declaration order.
     *
     * @param <E> the enum
     * @param type the enum's class
     * @return the names
     */
    static <E extends Enum<E> & WireNamed> List<String> wireNames(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireNamed::wireName).toList();
    }
}
