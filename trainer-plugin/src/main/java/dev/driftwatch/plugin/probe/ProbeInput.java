package dev.driftwatch.plugin.probe;

import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One input tensor of a probe set, for all examples: {@code N} examples of {@code exampleShape}, stored
 * row-major in little-endian bytes (the byte order DJL's engines use on x86 and ARM).
 *
 * @param name the input's name (informative; inputs are passed to the model in order)
 * @param dataType the element type
 * @param exampleShape the shape of one example, without the batch axis
 * @param data {@code N * exampleShape.size() * dataType.getNumOfBytes()} bytes
 */
public record ProbeInput(String name, DataType dataType, Shape exampleShape, ByteBuffer data) {

    /**
     * Validates the sizes and keeps a read-only little-endian view of the data.
     *
     * @param name the input's name (informative; inputs are passed to the model in order)
     * @param dataType the element type
     * @param exampleShape the shape of one example, without the batch axis
     * @param data {@code N * exampleShape.size() * dataType.getNumOfBytes()} bytes
     */
    public ProbeInput {
        if (dataType.getNumOfBytes() <= 0) {
            throw new IllegalArgumentException("unsupported data type for probe input " + name + ": " + dataType);
        }
        long bytesPerExample = exampleShape.size() * dataType.getNumOfBytes();
        if (bytesPerExample <= 0 || data.remaining() % bytesPerExample != 0) {
            throw new IllegalArgumentException("probe input " + name + ": " + data.remaining()
                    + " bytes are not a whole number of examples of shape " + exampleShape + " " + dataType);
        }
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Returns the number of examples.
     *
     * @return N
     */
    public int count() {
        return (int) (data.remaining() / bytesPerExample());
    }

    /**
     * Returns the bytes one example occupies.
     *
     * @return the size in bytes
     */
    public long bytesPerExample() {
        return exampleShape.size() * dataType.getNumOfBytes();
    }

    /**
     * Returns the bytes of examples {@code [from, from + count)}.
     *
     * @param from first example
     * @param count number of examples
     * @return a read-only little-endian view
     */
    public ByteBuffer slice(int from, int count) {
        int per = (int) bytesPerExample();
        return data.duplicate().position(from * per).limit((from + count) * per).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
