package dev.driftwatch.monitor.ingest;

import dev.driftwatch.contract.ContractVersion;
import dev.driftwatch.contract.Metric;
import dev.driftwatch.contract.Statistic;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Arrays;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Says which wire contract this service reads: its version, the versions it accepts, and the metrics
 * and statistics it knows (others are stored and shown by name, see docs/api/ingestion.md).
 */
@RestController
@Tag(name = "ingestion", description = "Uploads from the trainer plugin (bearer token of the project)")
class ContractController {

    /**
     * The contract this service reads.
     *
     * @param version the service's own contract version, {@code major.minor}
     * @param accepts the versions it accepts, e.g. {@code 1.x}
     * @param header the request header a sender states its version in (absent: {@code 1.0})
     * @param metrics the metrics it knows
     * @param statistics the statistics of every metric summary
     */
    record ContractView(String version, String accepts, String header, List<MetricView> metrics,
            List<String> statistics) {}

    /**
     * One known metric.
     *
     * @param name the wire name
     * @param label what the UI shows
     * @param unit its unit
     * @param direction which way it moves with drift
     * @param min smallest valid value, or null when unbounded
     * @param max largest valid value, or null when unbounded
     * @param needs what the probes need for it to be measured
     */
    record MetricView(String name, String label, String unit, Metric.Direction direction, Double min, Double max,
            Metric.Needs needs) {}

    @GetMapping(path = "/api/v1/contract", produces = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "The wire contract this service reads: version, accepted versions, known metrics")
    ContractView contract() {
        List<MetricView> metrics = Arrays.stream(Metric.values()).map(m -> new MetricView(m.wireName(), m.label(),
                m.unit().symbol(), m.direction(), bound(m.range().min()), bound(m.range().max()), m.needs())).toList();
        return new ContractView(ContractVersion.CURRENT, ContractVersion.ACCEPTS, ContractVersion.HEADER, metrics,
                Statistic.allWireNames());
    }

    private static Double bound(double v) {
        return Double.isInfinite(v) ? null : v;
    }
}
