#!/usr/bin/python3
"""Verifies every DKIM-Signature of a message with dkimpy (Debian's python3-dkim): a DKIM
implementation nobody on this project wrote. Used by DkimInteropTest.

usage: dkim_verify.py MESSAGE_FILE RECORDS_FILE
RECORDS_FILE holds one "name<TAB>TXT record" line per key, what the test's DNS would serve; the
lookup goes to that table instead of the network. Prints one line per signature, exits 0 only
when there is at least one signature and every one verifies.
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


count = sum(1 for line in message.split(b"\r\n") if line.lower().startswith(b"dkim-signature:"))
verifier = dkim.DKIM(message)
passed = 0
for index in range(count):
    reason = ""
    try:
        ok = verifier.verify(idx=index, dnsfunc=txt)
    except dkim.DKIMException as e:  # dkimpy raises for some failures (a body hash mismatch)
        ok, reason = False, " (%s)" % e
    fields = getattr(verifier, "signature_fields", {}) or {}
    algorithm = fields.get(b"a", b"?").decode()
    selector = fields.get(b"s", b"?").decode()
    print("signature %d: %s a=%s s=%s%s" % (index, "pass" if ok else "FAIL", algorithm, selector, reason))
    passed += 1 if ok else 0
print("%d of %d signatures verify" % (passed, count))
sys.exit(0 if count > 0 and passed == count else 1)
