package io.nlink.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Work one member sends another: written field by field ({@link ClusterSerialization}), answered
 * with bytes, and run with what the receiving member keeps in its user context (its lanes, its
 * services).
 *
 * <p>On the wire a task is an envelope: the member it is for, when it was sent, a nonce, and its
 * fields sealed with the cluster's key ({@link MessageSeal}); the answer is sealed too, bound to
 * the task's nonce. A task that does not open, is for another member, is stale or was seen before
 * is not run: the member answers {@link #REFUSED}, and the sender stops sending it work.
 */
abstract class MemberTask implements Callable<byte[]>, IdentifiedDataSerializable, HazelcastInstanceAware {
    private static final Logger LOG = LoggerFactory.getLogger(MemberTask.class);
    /** The answer of a member that refused a task: it does not hold the secret, or the task was not fresh. */
    static final byte[] REFUSED = new byte[0];
    /** Refusals are logged at most this often, with a count: a process without the secret cannot flood the log. */
    private static final long REFUSAL_LOG_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private static final java.util.concurrent.atomic.AtomicLong refusalsUnlogged =
            new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong nextRefusalLog =
            new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
    private static final byte[] ANSWER_LABEL = "answer".getBytes(StandardCharsets.US_ASCII);

    private final MessageSeal seal;
    private transient HazelcastInstance member;
    private UUID target;
    private long sentAtMillis;
    private byte[] nonce;
    /** On the receiving member: why this task will not run, or null. */
    private String refusal;

    MemberTask(MessageSeal seal) {
        this.seal = seal;
    }

    /** Writes the task's own fields (sealed by the caller). */
    abstract void writeFields(DataOutput out) throws IOException;

    /** Reads and checks the task's own fields, once they have been opened. */
    abstract void readFields(DataInput in) throws IOException;

    /** Runs the task on the receiving member. */
    abstract byte[] run() throws Exception;

    /** Makes this task for {@code recipient}, with a fresh nonce; call before each send. */
    final void sealFor(Member recipient) {
        target = recipient.getUuid();
        sentAtMillis = System.currentTimeMillis();
        nonce = MessageSeal.newNonce();
    }

    /**
     * The answer to the last send of this task, opened.
     *
     * @throws MessageSeal.Refused when the member refused the task or its answer was not sealed
     *     with this cluster's key: the member does not hold the secret
     */
    final byte[] openAnswer(byte[] answer) throws MessageSeal.Refused {
        if (answer == null || answer.length == 0)
            throw new MessageSeal.Refused(
                    "the member refused the task (it does not hold this cluster's secret, or the task was stale)");
        if (!seal.sealed()) return answer;
        if (answer.length < MessageSeal.NONCE_BYTES) throw new MessageSeal.Refused("the member's answer was cut short");
        byte[] answerNonce = Arrays.copyOf(answer, MessageSeal.NONCE_BYTES);
        return seal.open(
                Arrays.copyOfRange(answer, MessageSeal.NONCE_BYTES, answer.length), answerNonce, answerContext(nonce));
    }

    @Override
    public final byte[] call() throws Exception {
        if (refusal == null) {
            try {
                seal.acceptOnce(target, member.getCluster().getLocalMember().getUuid(), sentAtMillis, nonce);
            } catch (MessageSeal.Refused e) {
                refusal = e.getMessage();
            }
        }
        if (refusal != null) {
            logRefusal(refusal);
            return REFUSED;
        }
        byte[] body = run();
        if (!seal.sealed()) return body;
        byte[] answerNonce = MessageSeal.newNonce();
        byte[] sealed = seal.seal(body, answerNonce, answerContext(nonce));
        byte[] answer = Arrays.copyOf(answerNonce, MessageSeal.NONCE_BYTES + sealed.length);
        System.arraycopy(sealed, 0, answer, MessageSeal.NONCE_BYTES, sealed.length);
        return answer;
    }

    @Override
    public final void writeData(ObjectDataOutput out) throws IOException {
        if (target == null) throw new IllegalStateException("a task must be sealed for its member before it is sent");
        ByteArrayOutputStream fields = new ByteArrayOutputStream();
        writeFields(new DataOutputStream(fields));
        out.writeLong(target.getMostSignificantBits());
        out.writeLong(target.getLeastSignificantBits());
        out.writeLong(sentAtMillis);
        out.writeByteArray(nonce);
        out.writeByteArray(seal.seal(fields.toByteArray(), nonce, taskContext()));
    }

    @Override
    public final void readData(ObjectDataInput in) throws IOException {
        target = new UUID(in.readLong(), in.readLong());
        sentAtMillis = in.readLong();
        nonce = in.readByteArray();
        byte[] sealed = in.readByteArray();
        if (sealed == null) throw new IOException("a task arrived without its fields");
        byte[] fields;
        try {
            fields = seal.open(sealed, nonce, taskContext());
        } catch (MessageSeal.Refused e) {
            refusal = e.getMessage(); // answered in call(), where the sender hears of it
            return;
        }
        readFields(new DataInputStream(new ByteArrayInputStream(fields)));
    }

    private static void logRefusal(String why) {
        long refused = refusalsUnlogged.incrementAndGet();
        long due = nextRefusalLog.get();
        if (System.nanoTime() - due >= 0 && nextRefusalLog.compareAndSet(due, System.nanoTime() + REFUSAL_LOG_NANOS)) {
            refusalsUnlogged.addAndGet(-refused);
            LOG.warn(
                    "nLink: refused {} task(s) from another member since the last such warning; the last: {}",
                    refused,
                    why);
        }
    }

    /** What a task's seal binds besides its fields: its type, its member and its send time. */
    private byte[] taskContext() {
        return ByteBuffer.allocate(4 + 16 + 8)
                .putInt(getClassId())
                .putLong(target.getMostSignificantBits())
                .putLong(target.getLeastSignificantBits())
                .putLong(sentAtMillis)
                .array();
    }

    private static byte[] answerContext(byte[] taskNonce) {
        byte[] context = Arrays.copyOf(ANSWER_LABEL, ANSWER_LABEL.length + taskNonce.length);
        System.arraycopy(taskNonce, 0, context, ANSWER_LABEL.length, taskNonce.length);
        return context;
    }

    @Override
    public final void setHazelcastInstance(HazelcastInstance instance) {
        this.member = instance;
    }

    /** What the receiving member keeps under {@code key} in its user context, or null. */
    final Object fromMember(String key) {
        return member.getUserContext().get(key);
    }

    @Override
    public final int getFactoryId() {
        return ClusterSerialization.FACTORY_ID;
    }

    /** Writes a string that may be null, of any length (DataOutput's writeUTF stops at 64 KiB). */
    static void writeString(DataOutput out, String s) throws IOException {
        writeBytes(out, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    static String readString(DataInput in) throws IOException {
        byte[] bytes = readBytes(in);
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    static void writeBytes(DataOutput out, byte[] bytes) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
            return;
        }
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    /** Reads what {@link #writeBytes} wrote; the length is checked against what is left. */
    static byte[] readBytes(DataInput in) throws IOException {
        int length = in.readInt();
        if (length == -1) return null;
        if (length < 0 || (in instanceof DataInputStream s && length > s.available())) {
            throw new IOException("a task's field claims " + length + " bytes, more than it carries");
        }
        byte[] bytes = new byte[length];
        in.readFully(bytes);
        return bytes;
    }
}
