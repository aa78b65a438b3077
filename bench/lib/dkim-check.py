#!/usr/bin/python3
"""Checks that a message a server queued carries a DKIM signature of DOMAIN with SELECTOR,
rsa-sha256, that verifies against the public key in a DNS zone line (the record the server's key
tool printed; no DNS is asked). bench/compare.sh runs it on one message of each DKIM workload, so
that a server that did not sign (or signed wrongly) fails the run instead of looking fast.

Usage: /usr/bin/python3 bench/lib/dkim-check.py MESSAGE_FILE ZONE_LINE_FILE DOMAIN SELECTOR
Needs Debian's python3-dkim (dkimpy), hence /usr/bin/python3. Exit status 0 when the signature
verifies, 1 otherwise, with the reason on stderr."""
import re
import sys

import dkim


def main(message_path, zone_path, domain, selector):
    with open(message_path, "rb") as f:
        raw = f.read()
    # The stored copies come with LF (postcat) or CRLF (Hikyaku's store) line ends: CRLF throughout,
    # as on the wire.
    message = b"\r\n".join(raw.replace(b"\r\n", b"\n").split(b"\n"))
    with open(zone_path, encoding="ascii") as f:
        record = "".join(re.findall(r'"([^"]*)"', f.read())).encode("ascii")
    if b"p=" not in record:
        return fail(f"no public key (p=) in {zone_path}")
    name = f"{selector}._domainkey.{domain}".lower()

    def dnsfunc(query, timeout=5):
        asked = query.decode("ascii") if isinstance(query, bytes) else query
        return record if asked.rstrip(".").lower() == name else None

    header = message.split(b"\r\n\r\n", 1)[0]
    fields = re.findall(rb"^DKIM-Signature:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", header, re.IGNORECASE | re.MULTILINE)
    if not fields:
        return fail("no DKIM-Signature field")
    tags = dict(
        (k.strip().lower(), v.strip())
        for k, _, v in (t.partition(b"=") for t in re.sub(rb"\s+", b"", fields[0]).split(b";") if t))
    wanted = {b"d": domain.encode(), b"s": selector.encode(), b"a": b"rsa-sha256"}
    for tag, value in wanted.items():
        if tags.get(tag, b"").lower() != value.lower():
            return fail(f"signature has {tag.decode()}={tags.get(tag, b'').decode()}, not {value.decode()}")
    if not dkim.DKIM(message).verify(idx=0, dnsfunc=dnsfunc):
        return fail("the signature does not verify against the published key")
    print(f"DKIM-Signature d={domain} s={selector} a=rsa-sha256 c={tags.get(b'c', b'simple/simple').decode()}"
          f" h={tags.get(b'h', b'').decode()}: verifies")
    return 0


def fail(reason):
    print(f"dkim-check: {reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
