# Drives Python's smtplib against a Hikyaku test server on 127.0.0.1; run by SmtplibInteropTest as
#   python3 -I - MODE PORT [TOKEN] [CAFILE]   (this file on stdin)
# and prints one JSON object describing what the client saw. Errors propagate: a traceback and a
# non-zero exit are what the test reports.
import json
import smtplib
import socket
import ssl
import sys

HOSTNAME = "mx.hikyaku.test"  # the name in the server's certificate
HELO = "client.example"
TIMEOUT = 20


class LoopbackSMTP(smtplib.SMTP):
    """SMTP to HOSTNAME that connects to 127.0.0.1.

    smtplib passes the host given to connect() as server_hostname to starttls()'s wrap_socket, so the
    certificate is checked against HOSTNAME (SNI and name check) while no DNS is needed.
    """

    def _get_socket(self, host, port, timeout):
        return socket.create_connection(("127.0.0.1", port), timeout)


class LoopbackSMTP_SSL(smtplib.SMTP_SSL):
    """SMTP over implicit TLS (RFC 8314) to HOSTNAME at 127.0.0.1, verified with server_hostname."""

    def _get_socket(self, host, port, timeout):
        raw = socket.create_connection(("127.0.0.1", port), timeout)
        return self.context.wrap_socket(raw, server_hostname=host)


def verifying_context(cafile):
    # create_default_context: CERT_REQUIRED and check_hostname, the strict defaults; the server's
    # own certificate is the only trust anchor.
    context = ssl.create_default_context(cafile=cafile)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def message(token, sender, recipient, extra=""):
    return (
        "From: %s\r\nTo: %s\r\nSubject: smtplib %s%s\r\n\r\nBody written by smtplib for %s\r\n"
        % (sender, recipient, token, extra, token)
    ).encode("utf-8")


def tls_facts(smtp):
    peer = dict(field[0] for field in smtp.sock.getpeercert()["subject"])
    return {
        "tls_version": smtp.sock.version(),
        "cipher": smtp.sock.cipher()[0],
        "server_hostname": smtp.sock.server_hostname,
        "peer_cn": peer.get("commonName"),
    }


def relay(port, token):
    sender, recipient = "sender@example.org", "user@hikyaku.test"
    with smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=TIMEOUT) as smtp:
        refused = smtp.sendmail(sender, [recipient], message(token, sender, recipient))
        return {"refused": refused}


def features(port):
    with smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=TIMEOUT) as smtp:
        code, _ = smtp.ehlo()
        return {"ehlo_code": code, "does_esmtp": smtp.does_esmtp, "features": smtp.esmtp_features}


def starttls(port, token, cafile):
    sender, recipient = "alice@hikyaku.test", "bob@elsewhere.example"
    with LoopbackSMTP(HOSTNAME, port, local_hostname=HELO, timeout=TIMEOUT) as smtp:
        smtp.ehlo()
        before = dict(smtp.esmtp_features)
        smtp.starttls(context=verifying_context(cafile))
        smtp.ehlo()  # RFC 3207 §4.2: everything learned before TLS is discarded; ask again
        result = tls_facts(smtp)
        result["features_before_tls"] = before
        result["features_after_tls"] = smtp.esmtp_features
        result["refused"] = smtp.sendmail(sender, [recipient], message(token, sender, recipient))
        return result


def implicit_tls(port, token, cafile):
    sender, recipient = "alice@hikyaku.test", "bob@elsewhere.example"
    with LoopbackSMTP_SSL(
        HOSTNAME, port, local_hostname=HELO, timeout=TIMEOUT, context=verifying_context(cafile)
    ) as smtp:
        smtp.ehlo()
        result = tls_facts(smtp)
        result["features"] = smtp.esmtp_features
        result["refused"] = smtp.sendmail(sender, [recipient], message(token, sender, recipient))
        return result


def untrusted(port, cafile):
    with LoopbackSMTP(HOSTNAME, port, local_hostname=HELO, timeout=TIMEOUT) as smtp:
        try:
            smtp.starttls(context=verifying_context(cafile))
        except ssl.SSLCertVerificationError as e:
            return {"verify_failed": True, "verify_message": e.verify_message}
        return {"verify_failed": False}


def utf8(port, token):
    # RFC 6531: UTF-8 mailboxes in the envelope need the SMTPUTF8 MAIL parameter.
    sender, recipient = "\u30e6\u30fc\u30b6\u30fc@client.example", "\u03b4\u03bf\u03ba\u03b9\u03bc\u03ae@hikyaku.test"
    with smtplib.SMTP("127.0.0.1", port, local_hostname=HELO, timeout=TIMEOUT) as smtp:
        refused = smtp.sendmail(
            sender,
            [recipient],
            message(token, sender, recipient, " \u00fcber \u4fe1"),
            mail_options=["SMTPUTF8"],
        )
        return {"refused": refused, "sender": sender, "recipient": recipient}


def main(mode, port, *rest):
    port = int(port)
    if mode == "relay":
        return relay(port, *rest)
    if mode == "features":
        return features(port)
    if mode == "starttls":
        return starttls(port, *rest)
    if mode == "implicit-tls":
        return implicit_tls(port, *rest)
    if mode == "untrusted":
        return untrusted(port, *rest)
    if mode == "utf8":
        return utf8(port, *rest)
    raise SystemExit("unknown mode " + mode)


print(json.dumps(main(*sys.argv[1:]), sort_keys=True))
