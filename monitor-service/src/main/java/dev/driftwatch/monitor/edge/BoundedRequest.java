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
 * 415) when its first two bytes are not UTF-8 ({@link JsonEncoding#firstBytesProblem}).
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
        /** The body's first byte while its encoding is still to be checked (JSON only), else -2. */
        private int first;

        Bounded(ServletInputStream in, long limit, boolean json) {
            this.in = in;
            this.limit = limit;
            this.first = json ? -1 : -2;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
                see(b);
            } else {
                ended();
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, len);
            if (n > 0) {
                count(n);
                for (int i = off; i < off + n && first != -2; i++) {
                    see(buf[i] & 0xFF);
                }
            } else if (n < 0) {
                ended();
            }
            return n;
        }

        private void count(int n) throws BodyTooLargeException {
            read += n;
            if (read > limit) {
                throw new BodyTooLargeException(limit);
            }
        }

        /** Looks at one byte of the body: its first two are checked, the rest pass. */
        private void see(int b) throws BodyRefusedException {
            if (first == -1) {
                first = b;
            } else if (first >= 0) {
                refuse(JsonEncoding.firstBytesProblem(first, b));
            }
        }

        /** A one-byte body is checked at its end. */
        private void ended() throws BodyRefusedException {
            if (first >= 0) {
                refuse(JsonEncoding.firstBytesProblem(first, -1));
            }
        }

        private void refuse(ApiProblem problem) throws BodyRefusedException {
            first = -2;
            if (problem != null) {
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
