/**
 * Mail authentication: DKIM signing (RFC 6376 with RSA-SHA256, and Ed25519-SHA256 per RFC 8463)
 * of mail leaving through submission, and the SPF, DKIM and DMARC checks of mail arriving on port
 * 25 with their Authentication-Results (RFC 8601).
 *
 * <p>Works on a message's octets as the queue holds them (CRLF line ends, 8-bit allowed): headers
 * are read as ISO-8859-1 so that every octet survives unchanged into the canonical form.
 *
 * <p>Must never: do network I/O except through {@code dns}; log or print a private key.
 */
package dev.hikyaku.mailauth;
