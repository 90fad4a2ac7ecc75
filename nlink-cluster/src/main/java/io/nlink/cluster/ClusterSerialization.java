package io.nlink.cluster;

import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * What crosses between members: our own {@link IdentifiedDataSerializable} types (written
 * field by field), byte arrays and strings. Java serialisation is never used by nLink; Hazelcast
 * falls back to it for exceptions, so a filter admits only classes under {@code java.lang},
 * {@code java.util}, {@code java.io}, {@code java.net} and {@code com.hazelcast} (with Hazelcast's
 * deny-list of known gadget classes on top): a peer cannot make a member load an application or
 * library class graph of its choosing.
 */
final class ClusterSerialization implements DataSerializableFactory {
    static final int FACTORY_ID = 0x6e4c; // "nL"

    private final MessageSeal seal;

    private ClusterSerialization(MessageSeal seal) {
        this.seal = seal;
    }

    /** Tasks that arrive are opened with {@code seal}: the member's own. */
    static void configure(SerializationConfig config, MessageSeal seal) {
        config.addDataSerializableFactory(FACTORY_ID, new ClusterSerialization(seal));
        JavaSerializationFilterConfig filter = new JavaSerializationFilterConfig();
        filter.getWhitelist().addPrefixes("java.lang.", "java.util.", "java.io.", "java.net.", "com.hazelcast.");
        config.setJavaSerializationFilterConfig(filter);
    }

    @Override
    public IdentifiedDataSerializable create(int typeId) {
        return switch (typeId) {
            case ChunkTask.TYPE_ID -> new ChunkTask(seal);
            case ServiceCall.TYPE_ID -> new ServiceCall(seal);
            default -> null;
        };
    }
}
