package io.nlink.workflow.nodes;

import io.nlink.workflow.Item;
import java.util.List;

/**
 * Read Binary Files, Read Binary File and Read/Write Files from Disk
 * (n8n-nodes-base.readBinaryFiles, readBinaryFile, readWriteFile): they import, so the rest of an
 * export can be seen and edited, but a run stops at them. A workflow is untrusted input and the
 * server's disk holds what no workflow may read (its key file, its database, other tenants'
 * data); nLink items carry no binary data either. The message says what to use instead.
 */
final class ReadFilesNode implements NodeType {
    private final String what;

    /** @param what the node's name in n8n's palette, for the message */
    ReadFilesNode(String what) {
        this.what = what;
    }

    @Override
    public List<List<Item>> run(NodeRun run) throws NodeFailedException {
        throw new NodeFailedException(what + " is refused: it reads or writes files on the server's disk,"
                + " which nLink never lets a workflow do (the server's files are not a workflow's to read),"
                + " and nLink items carry no binary data. Fetch the file with an HTTP Request node,"
                + " or send its content in the trigger's data (a webhook's body)");
    }
}
