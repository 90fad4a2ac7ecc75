package io.nlink.cluster;

import io.nlink.runtime.SandboxLimits;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.time.Duration;

/**
 * One chunk of a batch, sent to a member: which package (by SHA-256), the parameters, the limits,
 * the index of its first item and the items as a JSON array. The member answers with the chunk's
 * results ({@link ChunkResults}). Written field by field (no Java serialization anywhere in the
 * cluster), sealed ({@link MemberTask}), and every field is checked again on arrival; the limits
 * are then capped by the receiving member's own ({@link MemberLanes}).
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
    ChunkTask(MessageSeal seal) {
        super(seal);
    }

    ChunkTask(
            MessageSeal seal,
            String packageSha256,
            String paramsJson,
            SandboxLimits limits,
            boolean continueOnFail,
            long firstIndex,
            byte[] itemsJson) {
        super(seal);
        this.packageSha256 = packageSha256;
        this.paramsJson = paramsJson;
        this.limits = limits;
        this.continueOnFail = continueOnFail;
        this.firstIndex = firstIndex;
        this.itemsJson = itemsJson;
    }

    @Override
    byte[] run() {
        MemberLanes lanes = (MemberLanes) fromMember(MemberLanes.USER_CONTEXT_KEY);
        if (lanes == null) throw new IllegalStateException("this member runs no nLink lanes");
        return lanes.run(this);
    }

    @Override
    public int getClassId() {
        return TYPE_ID;
    }

    @Override
    void writeFields(DataOutput out) throws IOException {
        writeString(out, packageSha256);
        writeString(out, paramsJson);
        out.writeInt(limits.memoryPages());
        out.writeLong(limits.itemTimeout().toMillis());
        out.writeLong(limits.initTimeout().toMillis());
        out.writeInt(limits.maxContextBytes());
        out.writeInt(limits.maxOutputBytes());
        out.writeInt(limits.maxLogBytes());
        out.writeLong(limits.jsMemoryBytes());
        out.writeBoolean(continueOnFail);
        out.writeLong(firstIndex);
        writeBytes(out, itemsJson);
    }

    @Override
    void readFields(DataInput in) throws IOException {
        packageSha256 = readString(in);
        paramsJson = readString(in);
        try {
            // The record's constructor refuses out-of-range limits, so a peer cannot raise the cap.
            limits = new SandboxLimits(
                    in.readInt(),
                    Duration.ofMillis(in.readLong()),
                    Duration.ofMillis(in.readLong()),
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    in.readLong());
        } catch (IllegalArgumentException e) {
            throw new IOException("a chunk arrived with invalid sandbox limits: " + e.getMessage(), e);
        }
        continueOnFail = in.readBoolean();
        firstIndex = in.readLong();
        itemsJson = readBytes(in);
        if (packageSha256 == null
                || !packageSha256.matches("[0-9a-f]{64}")
                || paramsJson == null
                || itemsJson == null
                || firstIndex < 0) {
            throw new IOException("a chunk arrived malformed (package hash, parameters, items or index)");
        }
    }
}
