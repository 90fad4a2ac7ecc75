package io.nlink.cluster;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * One call of a {@link ClusterService} on the member it was sent to. The answer is one status
 * byte ({@link #OK} or {@link #FAILED}) then the handler's response, or the failure's message in
 * UTF-8: a handler's exception never needs Java serialisation to travel.
 */
final class ServiceCall extends MemberTask {
    static final int TYPE_ID = 2;
    static final byte OK = 0;
    static final byte FAILED = 1;
    static final String USER_CONTEXT_KEY = "nlink.services";

    String service;
    byte[] request;

    /** For deserialisation. */
    ServiceCall(MessageSeal seal) {
        super(seal);
    }

    ServiceCall(MessageSeal seal, String service, byte[] request) {
        super(seal);
        this.service = service;
        this.request = request;
    }

    @Override
    @SuppressWarnings("unchecked")
    byte[] run() {
        var services = (Map<String, ClusterService>) fromMember(USER_CONTEXT_KEY);
        ClusterService offered = services == null ? null : services.get(service);
        if (offered == null || offered.concurrency() == 0) return failed("this member does not offer " + service);
        try {
            byte[] response = offered.handler().handle(request);
            byte[] answer = new byte[response.length + 1];
            answer[0] = OK;
            System.arraycopy(response, 0, answer, 1, response.length);
            return answer;
        } catch (Exception e) {
            return failed(e.getMessage() == null ? e.toString() : e.getMessage());
        }
    }

    private static byte[] failed(String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        byte[] answer = new byte[text.length + 1];
        answer[0] = FAILED;
        System.arraycopy(text, 0, answer, 1, text.length);
        return answer;
    }

    @Override
    public int getClassId() {
        return TYPE_ID;
    }

    @Override
    void writeFields(DataOutput out) throws IOException {
        writeString(out, service);
        writeBytes(out, request);
    }

    @Override
    void readFields(DataInput in) throws IOException {
        service = readString(in);
        request = readBytes(in);
        if (service == null || request == null)
            throw new IOException("a service call arrived without its service or request");
    }
}
