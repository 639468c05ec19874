package dev.driftwatch.monitor.ingest;

import dev.driftwatch.monitor.problem.BodyRefusedException;
import dev.driftwatch.monitor.problem.BodyTooLargeException;
import dev.driftwatch.monitor.problem.JsonProblems;
import dev.driftwatch.monitor.edge.JsonEncoding;
import dev.driftwatch.monitor.edge.ParseBudget;
import dev.driftwatch.monitor.edge.StorableJson;
import dev.driftwatch.monitor.edge.TinyNumbers;
import dev.driftwatch.monitor.edge.Utf8Check;
import dev.driftwatch.monitor.problem.ApiProblem;
import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads an ingestion request body: checks the content type (415), decompresses gzip, enforces the
 * size limit on the decompressed bytes (413; the edge bounds the bytes on the wire), refuses a body that
 * is not UTF-8 (415, {@link Utf8Check}, once inflated) and parses strict JSON (400: no NaN, no duplicate keys, no
 * text PostgreSQL cannot store).
 */
@Component
class RequestBodyReader {

    private final ObjectMapper strictJson = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .addModule(TinyNumbers.module())
            .build();
    private final long maxBytes;

    RequestBodyReader(IngestProperties properties) {
        this.maxBytes = properties.maxBodySize().toBytes();
    }

    /**
     * Reads and parses the body.
     *
     * @param request the request
     * @return the JSON tree
     * @throws ApiProblem 400, 413 or 415
     */
    JsonNode read(HttpServletRequest request) {
        JsonNode tree = parse(request);
        StorableJson.check(tree);
        return tree;
    }

    /**
     * Reads and parses the body without {@link StorableJson#check}, for a caller that checks it
     * itself (to say which batch items were at fault).
     *
     * @param request the request
     * @return the JSON tree
     * @throws ApiProblem 400, 413 or 415
     */
    JsonNode parse(HttpServletRequest request) {
        checkContentType(request.getContentType());
        String encoding = request.getHeader("Content-Encoding");
        boolean gzip = encoding != null && encoding.trim().equalsIgnoreCase("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            throw ApiProblem.unsupportedEncoding("must be gzip or identity");
        }
        if (!gzip && request.getContentLengthLong() > maxBytes) {
            throw BodyTooLargeException.problem(maxBytes);
        }
        byte[] body;
        try (InputStream raw = request.getInputStream();
                InputStream in = gzip ? new WholeGzip(raw) : raw) {
            body = readLimited(in);
        } catch (ZipException | java.io.EOFException e) {
            throw ApiProblem.invalid("body", "is not valid gzip data");
        } catch (BodyTooLargeException e) {
            throw BodyTooLargeException.problem(maxBytes);
        } catch (BodyRefusedException e) {
            throw e.problem();
        } catch (IOException e) {
            throw ApiProblem.invalid("body", "could not be read: " + e.getMessage());
        }
        if (body.length == 0) {
            throw ApiProblem.invalid("body", "is required");
        }
        ParseBudget.charge(body.length); // (held while its tree is read)
        JsonNode tree;
        try {
            tree = strictJson.readTree(body);
        } catch (JacksonException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            String why = e.getOriginalMessage();
            int source = why.indexOf(" (start marker");
            String field = JsonProblems.parsePath(e);
            throw ApiProblem.invalid(field.isEmpty() ? "body" : field, (field.isEmpty() ? "is" : "is in a body that is")
                    + " not valid JSON" + where + ": " + (source > 0 ? why.substring(0, source) : why));
        }
        return tree;
    }

    /** Reads the (inflated) body up to the limit, checking that it is UTF-8 as it goes. */
    private byte[] readLimited(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(8192);
        byte[] buf = new byte[64 * 1024];
        Utf8Check utf8 = new Utf8Check();
        long total = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
            total += n;
            if (total > maxBytes) {
                throw new BodyTooLargeException(maxBytes);
            }
            refuse(utf8.next(buf, 0, n));
            out.write(buf, 0, n);
        }
        refuse(utf8.end());
        return out.toByteArray();
    }

    private static void refuse(ApiProblem notUtf8) throws BodyRefusedException {
        if (notUtf8 != null) {
            throw new BodyRefusedException(notUtf8);
        }
    }

    private static void checkContentType(String contentType) {
        if (!JsonEncoding.isJson(contentType)) {
            throw new ApiProblem(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type",
                    "Content-Type must be application/json",
                    List.of(new ApiProblem.FieldProblem("Content-Type", "must be application/json")));
        }
    }

    /**
     * A gzip stream that ends where its data ends: bytes after the last member's trailer (which the JDK's
     * {@link GZIPInputStream} skips without a word when they do not start another member) are a
     * {@link ZipException}, so a body with something after its gzip data is a 400 like any malformed one.
     */
    private static final class WholeGzip extends GZIPInputStream {

        /** The size of a gzip member's trailer (CRC-32 and length), which the inflater's input still holds at the end. */
        private static final int TRAILER = 8;

        WholeGzip(InputStream in) throws IOException {
            super(in, 64 * 1024);
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n < 0 && (inf.getRemaining() > TRAILER || in.read() >= 0)) {
                throw new ZipException("data after the end of the gzip stream");
            }
            return n;
        }
    }
}
