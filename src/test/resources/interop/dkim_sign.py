#!/usr/bin/python3
"""Signs a message with dkimpy (Debian's python3-dkim) so that our verifier can be checked against
a signer nobody here wrote. Used by DkimInteropTest.

usage: dkim_sign.py MESSAGE_FILE SIGNED_FILE RECORDS_FILE CANONICALIZATION
Makes a fresh RSA key (openssl, PKCS#1 as dkimpy reads it) and a fresh Ed25519 key (PyNaCl),
signs with both (selectors "py-rsa" and "py-ed", domain from the From address's domain argument
below), and writes the signed message and "name<TAB>record" lines for the test's DNS server.
CANONICALIZATION is e.g. relaxed/relaxed or simple/simple.
"""
import base64
import os
import subprocess
import sys
import tempfile

import dkim
import nacl.signing

message_file, signed_file, records_file, canonicalization = sys.argv[1:5]
domain = b"py.example"
with open(message_file, "rb") as f:
    message = f.read()
header, body = canonicalization.encode().split(b"/")

with tempfile.TemporaryDirectory() as tmp:
    key_file = os.path.join(tmp, "rsa.pem")
    subprocess.run(["openssl", "genrsa", "-traditional", "-out", key_file, "2048"], check=True, capture_output=True)
    with open(key_file, "rb") as f:
        rsa_private = f.read()
    spki = subprocess.run(["openssl", "rsa", "-in", key_file, "-pubout", "-outform", "DER"], check=True, capture_output=True).stdout

ed = nacl.signing.SigningKey.generate()
ed_private = base64.b64encode(bytes(ed))
ed_public = base64.b64encode(bytes(ed.verify_key)).decode()

rsa_signature = dkim.sign(message, b"py-rsa", domain, rsa_private, canonicalize=(header, body))
ed_signature = dkim.sign(message, b"py-ed", domain, ed_private, canonicalize=(header, body),
                         signature_algorithm=b"ed25519-sha256")
with open(signed_file, "wb") as f:
    f.write(ed_signature + rsa_signature + message)
with open(records_file, "w", encoding="ascii") as f:
    f.write("py-rsa._domainkey.py.example\tv=DKIM1; k=rsa; p=%s\n" % base64.b64encode(spki).decode())
    f.write("py-ed._domainkey.py.example\tv=DKIM1; k=ed25519; p=%s\n" % ed_public)
