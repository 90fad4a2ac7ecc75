# Sandbox probe in Python: replaces the Python template's main.py in a test and reports, from
# inside the guest, what opening a host file and reading the environment give. Built on the
# template's node kit (nlink.py), which serves the adapter ABI (docs/abi.md).
import nlink

import errno  # noqa: E402 (nlink first, as in the template)
import os  # noqa: E402


def attempt(path, mode):
    """(opened, failed with ENOENT) for open(path, mode)."""
    try:
        open(path, mode).close()
        return True, False
    except OSError as e:
        return False, e.errno == errno.ENOENT


def probe(item):
    read_opened, read_enoent = attempt("/etc/passwd", "r")
    write_opened, write_enoent = attempt("/tmp/nlink-probe", "w")
    return [{
        "read_opened": read_opened,
        "read_enoent": read_enoent,
        "write_opened": write_opened,
        "write_enoent": write_enoent,
        "env_count": len(os.environ),
        "home_set": "HOME" in os.environ,
    }]


nlink.run(probe)
