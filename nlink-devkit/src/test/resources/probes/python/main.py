# Sandbox probe in Python: replaces the Python template's main.py in a test and reports, from
# inside the guest, what opening a host file and reading the environment give. Same NDJSON loop as
# the template (the adapter ABI, docs/abi.md): one result line per context line.
import errno
import json
import os
import sys


def attempt(path, mode):
    """(opened, failed with ENOENT) for open(path, mode)."""
    try:
        open(path, mode).close()
        return True, False
    except OSError as e:
        return False, e.errno == errno.ENOENT


def probe():
    read_opened, read_enoent = attempt("/etc/passwd", "r")
    write_opened, write_enoent = attempt("/tmp/nlink-probe", "w")
    return [{"json": {
        "read_opened": read_opened,
        "read_enoent": read_enoent,
        "write_opened": write_opened,
        "write_enoent": write_enoent,
        "env_count": len(os.environ),
        "home_set": "HOME" in os.environ,
    }}]


def main():
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    for _ in stdin:
        stdout.write(json.dumps(probe(), separators=(",", ":")).encode("utf-8") + b"\n")
        stdout.flush()


main()
