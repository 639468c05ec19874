package dev.driftwatch.monitor.edge;

import static org.assertj.core.api.Assertions.assertThat;

import dev.driftwatch.monitor.support.ServiceTestBase;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.ObjectMapper;

/**
 * The net under every answer: the service's JSON mapper writes a double or float that is not finite as null, in
 * every shape an answer holds numbers in, where Jackson wrote the strings "NaN", "Infinity" and "-Infinity" into
 * number fields. Finite numbers are written as they were.
 */
class FiniteNumbersTest extends ServiceTestBase {

    @Autowired
    private ObjectMapper json;

    /** Numbers as the answers' records hold them. */
    record Numbers(double primitive, Double boxed, float single, double[] array, List<Double> list,
            Map<String, Object> map, double finite, float finiteSingle) {}

    @Test
    void aNumberThatIsNotFiniteIsWrittenAsNull() {
        Numbers n = new Numbers(Double.POSITIVE_INFINITY, Double.NaN, Float.NEGATIVE_INFINITY,
                new double[] {1.5, Double.NaN}, Arrays.asList(Double.NEGATIVE_INFINITY, 2.5, null),
                Map.of("value", Double.POSITIVE_INFINITY), 1.7e308, 0.1f);
        assertThat(json.writeValueAsString(n)).isEqualTo("{\"primitive\":null,\"boxed\":null,\"single\":null,"
                + "\"array\":[1.5,null],\"list\":[null,2.5,null],\"map\":{\"value\":null},\"finite\":1.7E308,"
                + "\"finiteSingle\":0.1}");
    }
}
