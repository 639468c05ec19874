package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.edge.StorableJson;
import dev.driftwatch.contract.CheckpointReport;
import dev.driftwatch.contract.ContractVersion;
import dev.driftwatch.contract.RunEnd;
import dev.driftwatch.contract.RunInfo;
import dev.driftwatch.contract.RunKey;
import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.project.Project;
import dev.driftwatch.monitor.run.RunRepository;
import dev.driftwatch.monitor.run.RunView;
import dev.driftwatch.monitor.security.ProjectAccess;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Validator;
import java.time.Instant;
import java.util.List;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * The ingestion API of docs/api/ingestion.md: create or update a run, upload checkpoints, finish a
 * run. Bodies are read by {@link RequestBodyReader} (gzip, size limit, strict JSON), bound and checked
 * with Bean Validation by {@link PayloadParser} ({@link BodyBinder}, {@link IngestBodies}) so every bad
 * input is a 4xx problem naming the field.
 */
@RestController
@RequestMapping(path = "/api/v1/projects/{project}/runs/{runKey}", produces = MediaType.APPLICATION_JSON_VALUE)
@EnableConfigurationProperties(IngestProperties.class)
@Tag(name = "ingestion", description = "Uploads from the trainer plugin (bearer token of the project)")
class IngestController {

    private final ProjectAccess access;
    private final RequestBodyReader bodies;
    private final PayloadParser parser;
    private final IngestService ingest;
    private final RunRepository runs;

    IngestController(ProjectAccess access, RequestBodyReader bodies, IngestProperties limits, IngestService ingest,
            RunRepository runs, Validator validator) {
        this.access = access;
        this.bodies = bodies;
        this.parser = new PayloadParser(limits, validator);
        this.ingest = ingest;
        this.runs = runs;
    }

    /**
     * The checkpoints upload body.
     *
     * @param checkpoints 1 to 1000 checkpoints, in any step order
     */
    record CheckpointBatch(List<CheckpointReport> checkpoints) {}

    /**
     * The answer to a checkpoints upload.
     *
     * @param accepted checkpoints newly stored
     * @param duplicates checkpoints already stored, left unchanged
     * @param flags the run's flags after the upload
     */
    record CheckpointsAccepted(int accepted, int duplicates, List<String> flags) {}

    @PutMapping
    @Operation(summary = "Create or update a run (201 created, 200 updated)")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = RunInfo.class)))
    ResponseEntity<RunView> putRun(@PathVariable String project, @PathVariable String runKey,
            HttpServletRequest request) {
        Project p = access.require(project);
        checkRequest(runKey, request);
        RunInfo metadata = parser.run(bodies.read(request), runKey);
        IngestService.RunUpsert result = ingest.upsertRun(p, runKey, metadata);
        RunView view = RunView.of(runs.findById(result.runId()).orElseThrow());
        return ResponseEntity.status(result.created() ? HttpStatus.CREATED : HttpStatus.OK).body(view);
    }

    @PostMapping("/checkpoints")
    @Operation(summary = "Upload a batch of checkpoints (idempotent on step, all-or-nothing; a 400 lists the "
            + "rejected checkpoints so a client can send the others again)")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = CheckpointBatch.class)))
    CheckpointsAccepted postCheckpoints(@PathVariable String project, @PathVariable String runKey,
            HttpServletRequest request) {
        Project p = access.require(project);
        checkRequest(runKey, request);
        JsonNode body = bodies.parse(request);
        Instant now = Instant.now();
        IngestService.IngestResult result;
        try {
            StorableJson.check(body);
            result = ingest.storeCheckpoints(p, runKey, temperature -> parser.batch(body, runKey, temperature, now));
        } catch (ApiProblem e) {
            throw BatchRejections.annotate(e, body);
        }
        return new CheckpointsAccepted(result.accepted(), result.duplicates(), result.flags());
    }

    @PostMapping("/finish")
    @Operation(summary = "Mark a run as ended")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = RunEnd.class)))
    RunView finish(@PathVariable String project, @PathVariable String runKey, HttpServletRequest request) {
        Project p = access.require(project);
        checkRequest(runKey, request);
        RunEnd end = parser.end(bodies.read(request), runKey);
        ingest.finishRun(p, runKey, end);
        return RunView.of(runs.findByKey(p.getId(), runKey).orElseThrow());
    }

    /** Checks the path's run key and the sender's contract version (absent: 1.0, the format before it). */
    private static void checkRequest(String runKey, HttpServletRequest request) {
        String version = request.getHeader(ContractVersion.HEADER);
        if (!ContractVersion.isAccepted(version)) {
            throw ApiProblem.invalid(ContractVersion.HEADER, "contract version " + version
                    + " is not accepted; this service reads " + ContractVersion.ACCEPTS
                    + " (major.minor, each of 1 to 4 digits)");
        }
        if (!RunKey.isValid(runKey)) {
            throw ApiProblem.invalid("runKey", RunKey.PROBLEM);
        }
    }
}
