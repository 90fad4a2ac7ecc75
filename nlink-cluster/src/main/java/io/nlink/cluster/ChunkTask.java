package io.nlink.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import io.nlink.runtime.SandboxLimits;
import java.io.IOException;
import java.time.Duration;

/**
 * One chunk of a batch, sent to a member: which package (by SHA-256), the parameters, the limits,
 * the index of its first item and the items as a JSON array. The member answers with the chunk's
 * results ({@link ChunkResults}). Written field by field (no Java serialization anywhere in the
 * cluster), and every field is checked again on arrival.
 */
final class ChunkTask extends MemberTask {
    static final int TYPE_ID = 1;

    String packageSha256;
    String paramsJson;
    SandboxLimits limits;
    boolean continueOnFail;
    long firstIndex;
    byte[] itemsJson;

    /** For deserialisation. */
    ChunkTask() {}

    ChunkTask(String packageSha256, String paramsJson, SandboxLimits limits, boolean continueOnFail, long firstIndex, byte[] itemsJson) {
        this.packageSha256 = packageSha256;
        this.paramsJson = paramsJson;
        this.limits = limits;
        this.continueOnFail = continueOnFail;
        this.firstIndex = firstIndex;
        this.itemsJson = itemsJson;
    }

    @Override
    public byte[] call() throws Exception {
        MemberLanes lanes = (MemberLanes) fromMember(MemberLanes.USER_CONTEXT_KEY);
        if (lanes == null) throw new IllegalStateException("this member runs no nLink lanes");
        return lanes.run(this);
    }

    @Override
    public int getClassId() {
        return TYPE_ID;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(packageSha256);
        out.writeString(paramsJson);
        out.writeInt(limits.memoryPages());
        out.writeLong(limits.itemTimeout().toMillis());
        out.writeLong(limits.initTimeout().toMillis());
        out.writeInt(limits.maxContextBytes());
        out.writeInt(limits.maxOutputBytes());
        out.writeInt(limits.maxLogBytes());
        out.writeLong(limits.jsMemoryBytes());
        out.writeBoolean(continueOnFail);
        out.writeLong(firstIndex);
        out.writeByteArray(itemsJson);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        packageSha256 = in.readString();
        paramsJson = in.readString();
        try {
            // The record's constructor refuses out-of-range limits, so a peer cannot raise the cap.
            limits = new SandboxLimits(
                    in.readInt(), Duration.ofMillis(in.readLong()), Duration.ofMillis(in.readLong()), in.readInt(), in.readInt(), in.readInt(),
                    in.readLong());
        } catch (IllegalArgumentException e) {
            throw new IOException("a chunk arrived with invalid sandbox limits: " + e.getMessage(), e);
        }
        continueOnFail = in.readBoolean();
        firstIndex = in.readLong();
        itemsJson = in.readByteArray();
        if (packageSha256 == null || !packageSha256.matches("[0-9a-f]{64}") || paramsJson == null || itemsJson == null || firstIndex < 0) {
            throw new IOException("a chunk arrived malformed (package hash, parameters, items or index)");
        }
    }
}
