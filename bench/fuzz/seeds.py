#!/usr/bin/env python3
"""Writes the seed corpus of the @FuzzTest harnesses (src/test/resources/<package>/<Class>Inputs/<method>/)
from the conversation scripts, the returns samples and RFC examples. Re-run after adding scripts;
the files it writes are committed, so CI's regression run needs no Python.

Usage: bench/fuzz/seeds.py   (from anywhere)"""
import hashlib
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
TEST = ROOT / "src/test/resources"
SEEDS = []  # (class path, method, bytes)


def seed(cls, method, data):
    SEEDS.append((cls, method, bytes(data)))


def unescape(text):
    """The conversation scripts' escapes: \\r \\n \\x00 (and \\\\)."""
    out = bytearray()
    i = 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n == "r":
                out += b"\r"; i += 2; continue
            if n == "n":
                out += b"\n"; i += 2; continue
            if n == "t":
                out += b"\t"; i += 2; continue
            if n == "\\":
                out += b"\\"; i += 2; continue
            if n == "x" and re.match(r"[0-9a-fA-F]{2}", text[i + 2:i + 4]):
                out.append(int(text[i + 2:i + 4], 16)); i += 4; continue
        out += c.encode("utf-8")
        i += 1
    return bytes(out)


def expand(line):
    """%{N*text} repeats text N times, as the conversation runner does."""
    return re.sub(r"%\{(\d+)\*([^}]*)\}", lambda m: m.group(2) * int(m.group(1)), line)


def conversations():
    for path in sorted((TEST / "conversations").rglob("*.smtp")):
        lines = path.read_text(encoding="utf-8").splitlines()
        yield path, lines


ALL_EXTENSIONS = 0xFF

# --- CommandParser: one octet of extension bits, then the command line.
commands = set()
for path, lines in conversations():
    for line in lines:
        if line.startswith("C: "):
            commands.add(unescape(expand(line[3:])))
for command in sorted(commands):
    if len(command) <= 1000:
        seed("dev/hikyaku/fuzz/CommandParserFuzzTest", "parse", bytes([ALL_EXTENSIONS]) + command)
        pass  # one spelling per line: CI runs each seed as a test
for extra in [b"MAIL FROM:<\"quoted\\\"local\"@[IPv6:2001:db8::1]> SIZE=100 BODY=8BITMIME RET=HDRS ENVID=a+2Bb",
              b"RCPT TO:<@a.example,@b.example:user@c.example> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;user+40c.example",
              b"RCPT TO:<Postmaster>", b"MAIL FROM:<> AUTH=<>", b"BDAT 0 LAST", b"AUTH PLAIN =",
              b"MAIL FROM:<\xc3\xbcser@b\xc3\xbccher.example> SMTPUTF8", b"EHLO [IPv6:::1]", b"HELO [192.0.2.1]"]:
    seed("dev/hikyaku/fuzz/CommandParserFuzzTest", "parse", bytes([ALL_EXTENSIONS]) + extra)

# --- PathSyntax: the <path> of every MAIL FROM / RCPT TO in the scripts, and RFC 5321 examples.
for command in sorted(commands):
    m = re.match(rb"(?i)(?:MAIL FROM:|RCPT TO:) ?(<.*)", command)
    if m:
        seed("dev/hikyaku/protocol/PathFuzzTest", "path", m.group(1))
for path in [b"<@hosta.int,@jkl.org:userc@d.bar.org>", b"<Postmaster>", b'<"a\\\"b"@[IPv6:2001:db8::1]>', b"<user@[192.0.2.1]>",
             "<üser@bücher.example>".encode(), b"<" + b"a" * 64 + b"@" + b"b" * 63 + b".example>"]:
    seed("dev/hikyaku/protocol/PathFuzzTest", "path", path)

# --- DataReader: flags (bit 0: BDAT), 2 octets of size limit / 4, a split seed, then the data.
for path, lines in conversations():
    body = None
    for line in lines:
        if line.startswith("C: DATA"):
            body = bytearray()
            continue
        if body is not None and line.startswith("C: "):
            text = unescape(expand(line[3:]))
            body += text + b"\r\n"
            if text == b".":
                seed("dev/hikyaku/fuzz/DataReaderFuzzTest", "feed", bytes([0, 0xFF, 0xFF, 7]) + body + b"QUIT\r\n")
                body = None
        elif body is not None and line.startswith("R: "):
            seed("dev/hikyaku/fuzz/DataReaderFuzzTest", "feed", bytes([0, 0xFF, 0xFF, 3]) + unescape(line[3:]))
            seed("dev/hikyaku/fuzz/DataReaderFuzzTest", "feed", bytes([1, 0x00, 0x10, 3]) + unescape(line[3:]))
            body = None
for eml in sorted((TEST / "returns").glob("*.eml")):
    raw = eml.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    stuffed = re.sub(rb"(?m)^\.", b"..", raw)
    seed("dev/hikyaku/fuzz/DataReaderFuzzTest", "feed", bytes([0, 0xFF, 0xFF, 1]) + stuffed + b".\r\nRSET\r\n")
    seed("dev/hikyaku/fuzz/DataReaderFuzzTest", "feed", bytes([1, 0xFF, 0xFF, 2]) + raw)

# --- SASL: SCRAM client-first NUL client-final (%N nonce, %C channel binding, %P proof), bearer.
SCRAM = "dev/hikyaku/auth/sasl/SaslFuzzTest"
for flags, first, last in [
        (0, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "c=%C,r=%N,p=%P"),  # RFC 7677 §3 shape
        (0, "n,,n=user,r=rOprNGfwEbeRWgbNEkqO", "c=biws,r=%N,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="),
        (3, "p=tls-exporter,,n=user,r=abc", "c=%C,r=%N,p=%P"),
        (2, "y,,n=user,r=abc", "c=%C,r=%N,p=%P"),
        (0, "n,a=admin,n=us=2Cer=3D,r=abc,ext=1", "c=%C,r=%N,ext=2,p=%P"),
        (0, "n,,m=x,n=user,r=abc", ""),
        (1, "p=tls-unique,,n=user,r=abc", "c=%C,r=%N,p=%P")]:
    seed(SCRAM, "scram", bytes([flags]) + first.encode() + b"\0" + last.encode())
for xoauth in [b"user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01",
               b"user=a\x01auth=bearer abc==\x01\x01"]:
    seed(SCRAM, "bearer", b"\x00" + xoauth)
for oauthbearer in [b"n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg==\x01\x01",
                    b"n,,\x01auth=Bearer token\x01\x01", b"n,a=us=2Cer,\x01auth=Bearer t\x01x=y\x01\x01"]:
    seed(SCRAM, "bearer", b"\x01" + oauthbearer)

# --- Mail authentication: From values, tag lists, SPF and DMARC records.
MAILAUTH = "dev/hikyaku/mailauth/MailAuthFuzzTest"
from_values = set()
for eml in sorted((TEST / "returns").glob("*.eml")):
    for m in re.finditer(rb"(?mi)^From:[ \t]*(.*(?:\r?\n[ \t].*)*)", eml.read_bytes()):
        from_values.add(m.group(1).strip())
from_values.update([b'"Joe Q. Public" <john.q.public@example.com>', b"Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>",
                    b'A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;', b"Undisclosed recipients:;",
                    b'"Giant; \\"Big\\" Box" <sysservices@example.net>', b"Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
                    b"<\"quoted local\"@[192.0.2.1]>", "日本 <app@example.com>".encode()])
for value in sorted(from_values):
    seed(MAILAUTH, "fromField", value)
for tags in [b"v=1; a=rsa-sha256; d=example.net; s=brisbane;\r\n c=simple; q=dns/txt; i=@eng.example.net;\r\n t=1117574938; x=1118006938;\r\n h=from:to:subject:date;\r\n z=From:foo@eng.example.net|To:joe@example.com|\r\n  Subject:demo=20run|Date:July=205,=202005=203:44:08=20PM=20-0700;\r\n bh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=;\r\n b=dzdVyOfAKCdLXdJOc9G2q8LoXSlEniSbav+yuU4zGeeruD00lszZVoG4ZHRNiYzR",
             b"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ", b"v=DMARC1; p=reject; sp=quarantine; pct=50; adkim=s; aspf=r; rua=mailto:d@example.com",
             b"a=b;;c= d e ;=x;A=1"]:
    seed(MAILAUTH, "tags", tags)
spf_lines, dmarc_lines = [], []
for name, target in [("spf-cases.txt", spf_lines), ("dmarc-cases.txt", dmarc_lines)]:
    for line in (TEST / "mailauth" / name).read_text(encoding="utf-8").splitlines():
        m = re.match(r"zone txt (\S+) (.*)", line)
        if m:
            target.append(m.group(2).encode())
for record in spf_lines:
    seed(MAILAUTH, "spf", record + b"\n" + b"\n".join(spf_lines[:3]))
seed(MAILAUTH, "spf", b"v=spf1 include:loop.example -all\nv=spf1 include:example.org -all")
seed(MAILAUTH, "spf", b"v=spf1 mx ptr a exists:%{i}.%{l1r+-}.%{d}._spf.%{d2} redirect=void.example\nv=spf1 -all")
for record in dmarc_lines + [b"v=DMARC1; p=quarantine; sp=none; pct=100; adkim=s; aspf=s"]:
    for spf_result in (2, 3):
        seed(MAILAUTH, "dmarc", bytes([spf_result]) + record)

# --- DSN / ARF reader: the returns samples.
for eml in sorted((TEST / "returns").glob("*.eml")):
    seed("dev/hikyaku/fuzz/ReportReaderFuzzTest", "read", eml.read_bytes())

# --- Config: the documented example, and a few small files.
seed("dev/hikyaku/config/ConfigFuzzTest", "parse", (ROOT / "docs/hikyaku.example.yaml").read_bytes())
for small in [b"hostname: mx.example.org\n", b"listeners:\n  - role: relay\n    port: 2525\n", b"limits:\n  max-message-size: 10MiB\n  max-recipients: 100\n",
              b"# comment\nhostname: \"quoted: yes\"\nauth:\n  mechanisms: [PLAIN, LOGIN]\n"]:
    seed("dev/hikyaku/config/ConfigFuzzTest", "parse", small)

# --- Send API: request bodies.
API = "dev/hikyaku/api/SendRequestFuzzTest"
for body in ['{"from":"app@example.com","to":["user@example.org"],"subject":"Hi","text":"Hello"}',
             '{"from":{"email":"app@example.com","name":"App 日本"},"to":[{"email":"a@example.org","name":"A, B"}],"cc":["c@example.org"],'
             '"bcc":["d@example.org"],"reply_to":"r@example.com","subject":"Ünïcode subject that is rather long ' + "x" * 120 + '",'
             '"text":"line\\nline\\r\\n.\\n","html":"<p>hi</p>","headers":{"X-Campaign":"c1"},"tags":["t1"],"metadata":{"k":"v"},'
             '"attachments":[{"filename":"r\u00e9sum\u00e9.pdf","content_type":"application/pdf","content":"JVBERi0xLjQK"},'
             '{"filename":"logo.png","content_type":"image/png","content":"iVBORw0KGgo=","content_id":"logo"}]}',
             '{"from":"a@b","to":[]}', '[]', '{"from":"app@example.com","to":["u@example.org"],"text":"' + "y" * 2000 + '"}']:
    seed(API, "read", body.encode())

# Write: one file per seed, named by content hash (Jazzer's convention), stale seeds removed.
wanted = {}
for cls, method, data in SEEDS:
    directory = TEST / (cls + "Inputs") / method
    wanted.setdefault(directory, {})["seed-" + hashlib.sha1(data).hexdigest()[:16]] = data
for directory, files in wanted.items():
    directory.mkdir(parents=True, exist_ok=True)
    for old in directory.glob("seed-*"):
        if old.name not in files:
            old.unlink()
    for name, data in files.items():
        (directory / name).write_bytes(data)
    print(f"{directory.relative_to(ROOT)}: {len(files)} seeds")
