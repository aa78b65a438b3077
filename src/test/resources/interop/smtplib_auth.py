# SMTP AUTH with Python's smtplib against a Hikyaku test server on 127.0.0.1; run by
# SmtplibAuthInteropTest as
#   python3 -I smtplib_auth.py      (its request as one JSON object on stdin)
# The request carries the password, so it never appears in argv. Prints one JSON object describing
# what the client saw; it never prints the password. Unexpected errors propagate: a traceback and a
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
    """SMTP to HOSTNAME that connects to 127.0.0.1; starttls() checks the certificate for HOSTNAME."""

    def _get_socket(self, host, port, timeout):
        return socket.create_connection(("127.0.0.1", port), timeout)


def verifying_context(cafile):
    context = ssl.create_default_context(cafile=cafile)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    return context


def message(token, sender, recipient):
    return (
        "From: %s\r\nTo: %s\r\nSubject: smtplib %s\r\n\r\nBody written by smtplib for %s\r\n"
        % (sender, recipient, token, token)
    ).encode("utf-8")


def login_and_send(request):
    mechanism = request["mechanism"]
    user, password = request["user"], request["password"]
    with LoopbackSMTP(HOSTNAME, request["port"], local_hostname=HELO, timeout=TIMEOUT) as smtp:
        smtp.ehlo()
        smtp.starttls(context=verifying_context(request["cafile"]))
        smtp.ehlo()  # RFC 3207 §4.2: ask again after TLS; AUTH is offered only now
        result = {"advertised": smtp.esmtp_features.get("auth", "").split()}
        # login() tries, in its own order (CRAM-MD5, PLAIN, LOGIN), the mechanisms the server
        # advertised; narrowing the advertisement to one makes login() use exactly that one.
        smtp.esmtp_features["auth"] = mechanism
        try:
            code, text = smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as e:
            result["auth_error"] = [e.smtp_code, e.smtp_error.decode("utf-8", "replace")]
            return result
        result["login"] = [code, text.decode("utf-8", "replace")]
        sender, recipient = request["sender"], request["recipient"]
        result["refused"] = smtp.sendmail(sender, [recipient], message(request["token"], sender, recipient))
        return result


print(json.dumps(login_and_send(json.load(sys.stdin)), sort_keys=True))
