package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.driftwatch.contract.WireJson;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes probe sets as JSON-lines files, a format any language can produce.
 *
 * <p>The first line is a header, every further line one example:
 *
 * <pre>
 * {"format":"driftwatch-probes","version":1,"positions":0,
 *  "inputs":[{"name":"image","dataType":"float32","shape":[1,28,28]}]}
 * {"id":"test-0","slice":"on-task","inputs":[[0.0,0.1,...]]}
 * {"id":"test-1","slice":"off-task/shoes","inputs":[[...]]}
 * </pre>
 *
 * <p>{@code inputs} of an example lists, per header input, its values flattened row-major ({@code
 * dataType} {@code float32}, {@code int32} or {@code int64}). For sequence probes the header's {@code
 * positions} is T and each example has a {@code "mask"} of T zeros and ones; for classifiers it is 0
 * and there is no mask. {@code id} and {@code slice} are optional (default: the line's index and
 * {@value ProbeSet#DEFAULT_SLICE}). {@code "targets"} is optional too, on every example or on none: the
 * class label ({@code [3]}) or the T target token ids, so task loss, accuracy and forgetting are
 * measured from a file as from {@link ProbeSet.Builder#optTargets}. A line that is not a valid
 * example is refused with its line number.
 */
public final class ProbeSetFile {

    /** The header's {@code format} value. */
    public static final String FORMAT = "driftwatch-probes";

    private ProbeSetFile() {}

    /**
     * Reads a probe set file.
     *
     * @param file the file
     * @return the probe set
     * @throws IOException when the file cannot be read
     * @throws IllegalArgumentException naming the line when the content is not a valid probe set
     */
    public static ProbeSet read(Path file) throws IOException {
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String headerLine = in.readLine();
            if (headerLine == null) {
                throw new IllegalArgumentException(file + ": empty probe set file");
            }
            Map<String, Object> header = WireJson.read(headerLine);
            if (!FORMAT.equals(header.get("format")) || !Integer.valueOf(1).equals(header.get("version"))) {
                throw new IllegalArgumentException(file + ": line 1 is not a " + FORMAT + " version 1 header");
            }
            List<InputSpec> specs = new ArrayList<>();
            int positions;
            try {
                for (Object o : (List<?>) Objects.requireNonNull(header.get("inputs"), "no inputs")) {
                    Map<?, ?> m = (Map<?, ?>) o;
                    long[] dims = ((List<?>) Objects.requireNonNull(m.get("shape"), "an input without a shape"))
                            .stream().mapToLong(d -> ((Number) d).longValue()).toArray();
                    specs.add(new InputSpec(String.valueOf(m.get("name")), dataType(String.valueOf(m.get("dataType"))),
                            new Shape(dims)));
                }
                positions = header.get("positions") == null ? 0 : ((Number) header.get("positions")).intValue();
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(file + ": line 1: the header needs \"inputs\": [{\"name\", "
                        + "\"dataType\", \"shape\"}, ...] and a whole \"positions\" (" + e.getMessage() + ")", e);
            }
            if (specs.isEmpty()) {
                throw new IllegalArgumentException(file + ": line 1: the header lists no inputs");
            }
            List<Long> targets = new ArrayList<>();
            Boolean withTargets = null;
            List<List<Number>> values = new ArrayList<>();
            specs.forEach(s -> values.add(new ArrayList<>()));
            List<Float> mask = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<String> slices = new ArrayList<>();
            String line;
            int lineNo = 1;
            while ((line = in.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                try {
                    Map<String, Object> ex = WireJson.read(line);
                    ids.add(ex.get("id") == null ? Integer.toString(ids.size()) : String.valueOf(ex.get("id")));
                    slices.add(ex.get("slice") == null ? ProbeSet.DEFAULT_SLICE : String.valueOf(ex.get("slice")));
                    List<?> inputs = (List<?>) ex.get("inputs");
                    if (inputs == null || inputs.size() != specs.size()) {
                        throw new IllegalArgumentException("needs " + specs.size() + " inputs");
                    }
                    for (int j = 0; j < specs.size(); j++) {
                        List<?> flat = (List<?>) inputs.get(j);
                        if (flat.size() != specs.get(j).shape.size()) {
                            throw new IllegalArgumentException("input " + specs.get(j).name + " needs "
                                    + specs.get(j).shape.size() + " values, has " + flat.size());
                        }
                        for (Object v : flat) {
                            values.get(j).add(number(v, "input " + specs.get(j).name));
                        }
                    }
                    if (positions > 0) {
                        List<?> m = (List<?>) ex.get("mask");
                        if (m == null || m.size() != positions) {
                            throw new IllegalArgumentException("needs a mask of " + positions + " values");
                        }
                        m.forEach(v -> mask.add(number(v, "mask").floatValue()));
                    }
                    List<?> t = (List<?>) ex.get("targets");
                    if (withTargets == null) {
                        withTargets = t != null;
                    } else if (withTargets != (t != null)) {
                        throw new IllegalArgumentException("either every example has targets or none has");
                    }
                    if (t != null) {
                        int per = Math.max(1, positions);
                        if (t.size() != per) {
                            throw new IllegalArgumentException("targets needs " + per + " values (one per "
                                    + (positions > 0 ? "position" : "example") + "), has " + t.size());
                        }
                        t.forEach(v -> targets.add(number(v, "targets").longValue()));
                    }
                } catch (RuntimeException e) { // a wrong type, a null: the line is named, whatever broke
                    throw new IllegalArgumentException(file + ": line " + lineNo + ": "
                            + (e instanceof IllegalArgumentException ? e.getMessage()
                                    : "not a probe example (" + e + ")"), e);
                }
            }
            ProbeSet.Builder b = ProbeSet.builder();
            for (int j = 0; j < specs.size(); j++) {
                b.addInput(specs.get(j).toInput(values.get(j)));
            }
            if (positions > 0) {
                float[] flat = new float[mask.size()];
                for (int i = 0; i < flat.length; i++) {
                    flat[i] = mask.get(i);
                }
                b.optMask(flat, positions);
            }
            if (Boolean.TRUE.equals(withTargets)) {
                b.optTargets(targets.stream().mapToLong(Long::longValue).toArray());
            }
            return b.optIds(ids).optSlices(slices).build();
        }
    }

    private static Number number(Object v, String what) {
        if (v instanceof Number n) {
            return n;
        }
        throw new IllegalArgumentException(what + " holds " + (v == null ? "null" : "'" + v + "'") + ", not a number");
    }

    /**
     * Writes a probe set file.
     *
     * @param probes the probe set
     * @param file the file (replaced)
     * @throws IOException when it cannot be written
     */
    public static void write(ProbeSet probes, Path file) throws IOException {
        try (BufferedWriter out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            Map<String, Object> header = new LinkedHashMap<>();
            header.put("format", FORMAT);
            header.put("version", 1);
            header.put("positions", probes.isSequence() ? probes.positions() : 0);
            List<Object> inputs = new ArrayList<>();
            for (ProbeInput in : probes.inputs()) {
                Map<String, Object> spec = new LinkedHashMap<>();
                spec.put("name", in.name());
                spec.put("dataType", in.dataType().name().toLowerCase(Locale.ROOT));
                spec.put("shape", in.exampleShape().getShape());
                inputs.add(spec);
            }
            header.put("inputs", inputs);
            out.write(WireJson.write(header));
            out.write('\n');
            float[] mask = probes.mask();
            long[] targets = probes.targets();
            int t = probes.positions();
            for (int i = 0; i < probes.size(); i++) {
                Map<String, Object> ex = new LinkedHashMap<>();
                ex.put("id", probes.ids().get(i));
                ex.put("slice", probes.slices().get(i));
                List<Object> values = new ArrayList<>();
                for (ProbeInput in : probes.inputs()) {
                    values.add(exampleValues(in, i));
                }
                ex.put("inputs", values);
                if (mask != null) {
                    List<Object> m = new ArrayList<>(t);
                    for (int k = 0; k < t; k++) {
                        m.add((int) mask[i * t + k]);
                    }
                    ex.put("mask", m);
                }
                if (targets != null) {
                    int per = targets.length / probes.size();
                    List<Object> row = new ArrayList<>(per);
                    for (int k = 0; k < per; k++) {
                        row.add(targets[i * per + k]);
                    }
                    ex.put("targets", row);
                }
                out.write(WireJson.write(ex));
                out.write('\n');
            }
        }
    }

    private static List<Object> exampleValues(ProbeInput in, int i) {
        ByteBuffer b = in.slice(i, 1);
        int n = (int) in.exampleShape().size();
        List<Object> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            switch (in.dataType()) {
                case FLOAT32 -> out.add(b.getFloat());
                case INT32 -> out.add(b.getInt());
                case INT64 -> out.add(b.getLong());
                default -> throw new IllegalArgumentException("the file format has no " + in.dataType());
            }
        }
        return out;
    }

    private static DataType dataType(String name) {
        return switch (name) {
            case "float32" -> DataType.FLOAT32;
            case "int32" -> DataType.INT32;
            case "int64" -> DataType.INT64;
            default -> throw new IllegalArgumentException("dataType must be float32, int32 or int64: " + name);
        };
    }

    private record InputSpec(String name, DataType dataType, Shape shape) {
        ProbeInput toInput(List<Number> values) {
            ByteBuffer b = ByteBuffer.allocate(values.size() * dataType.getNumOfBytes()).order(ByteOrder.LITTLE_ENDIAN);
            for (Number v : values) {
                switch (dataType) {
                    case FLOAT32 -> b.putFloat(v.floatValue());
                    case INT32 -> b.putInt(v.intValue());
                    default -> b.putLong(v.longValue());
                }
            }
            b.flip();
            return new ProbeInput(name, dataType, shape, b);
        }
    }
}
