#!/usr/bin/python3
"""Validates the ARC chain of a message with dkimpy (Debian's python3-dkim): an ARC implementation
nobody on this project wrote. Used by ArcInteropTest.

usage: arc_verify.py MESSAGE_FILE RECORDS_FILE
RECORDS_FILE holds one "name<TAB>TXT record" line per key, what the test's DNS would serve; the
lookup goes to that table instead of the network. Prints the chain's result and reason, exits 0
only when the chain passes.
"""
import sys

import dkim

with open(sys.argv[1], "rb") as f:
    message = f.read()
records = {}
with open(sys.argv[2], encoding="ascii") as f:
    for line in f:
        name, record = line.rstrip("\n").split("\t", 1)
        records[name.lower().rstrip(".")] = record.encode("ascii")


def txt(name, timeout=5):
    if isinstance(name, bytes):
        name = name.decode("ascii")
    return records.get(name.lower().rstrip("."))


cv, results, comment = dkim.arc_verify(message, dnsfunc=txt)
print("cv=%s (%s)" % (cv.decode() if isinstance(cv, bytes) else cv, comment))
for result in results:
    print("instance %s: ams=%s as=%s" % (result.get("instance"), result.get("ams-valid"), result.get("as-valid")))
sys.exit(0 if cv == dkim.CV_Pass else 1)
