package io.nlink.cluster;

import com.hazelcast.map.IMap;
import io.nlink.runtime.Sha256;

/**
 * Node packages available to every member by content address: the ZIP's SHA-256. A coordinator
 * puts a package on the shelf before it hands out work for it; a member that has not run it yet
 * takes it from there, checks the bytes against the address, then loads it. The shelf is a
 * Hazelcast map with one backup, so it survives the loss of any one member; the database (in
 * server mode) stays the record of what is installed.
 */
final class PackageShelf {
    static final String MAP_NAME = "nlink.packages";

    private final IMap<String, byte[]> map;

    PackageShelf(IMap<String, byte[]> map) {
        this.map = map;
    }

    /** Puts a package ZIP on the shelf (a no-op when it is there) and returns its address. */
    String publish(byte[] zip) {
        String sha256 = Sha256.hex(zip);
        map.putIfAbsent(sha256, zip);
        return sha256;
    }

    /**
     * The package ZIP at {@code sha256}, its bytes verified against the address.
     *
     * @throws IllegalStateException when no member has it, or the bytes do not hash to the address
     */
    byte[] fetch(String sha256) {
        byte[] zip = map.get(sha256);
        if (zip == null) {
            throw new IllegalStateException(
                    "package " + sha256 + " is not on the cluster's shelf (its publisher left before it was copied?)");
        }
        String actual = Sha256.hex(zip);
        if (!actual.equals(sha256)) {
            throw new IllegalStateException(
                    "package " + sha256 + " arrived with other bytes (SHA-256 " + actual + "); refusing to run it");
        }
        return zip;
    }
}
