package dev.driftwatch.monitor.edge;

import dev.driftwatch.monitor.problem.ApiProblem;
import dev.driftwatch.monitor.problem.BodyRefusedException;
import dev.driftwatch.monitor.problem.BodyTooLargeException;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * A request whose body stream fails with {@link BodyTooLargeException} as soon as a reader goes past
 * the limit: a body without a Content-Length (chunked) is rejected while it streams in, after at most
 * the limit was read, whatever reads it. A JSON body's stream also fails ({@link BodyRefusedException},
 * 415) at its first byte that is not UTF-8 ({@link Utf8Check}), before the reader (Jackson) has decoded it.
 */
final class BoundedRequest extends HttpServletRequestWrapper {

    private final long limit;
    private final boolean json;
    private ServletInputStream bounded;
    private BufferedReader reader;

    BoundedRequest(HttpServletRequest request, long limit, boolean json) {
        super(request);
        this.limit = limit;
        this.json = json;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
        if (bounded == null) {
            bounded = new Bounded(super.getInputStream(), limit, json);
        }
        return bounded;
    }

    @Override
    public BufferedReader getReader() throws IOException {
        if (reader == null) {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            reader = new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
        return reader;
    }

    private static final class Bounded extends ServletInputStream {

        private final ServletInputStream in;
        private final long limit;
        private long read;
        private final byte[] one = new byte[1];
        /** The check of a JSON body's encoding, until it is refused or ends; null for other bodies. */
        private Utf8Check utf8;

        Bounded(ServletInputStream in, long limit, boolean json) {
            this.in = in;
            this.limit = limit;
            this.utf8 = json ? new Utf8Check() : null;
        }

        @Override
        public int read() throws IOException {
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                read += n;
                if (read > limit) {
                    throw new BodyTooLargeException(limit);
                }
                refuse(utf8 == null ? null : utf8.next(buf, off, n));
            } else if (n < 0) {
                refuse(utf8 == null ? null : utf8.end());
            }
            return n;
        }

        private void refuse(ApiProblem problem) throws BodyRefusedException {
            if (problem != null) {
                utf8 = null;
                throw new BodyRefusedException(problem);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
