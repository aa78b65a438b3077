// An SMTP client over implicit TLS (RFC 8314) in Node.js, whose OpenSSL (3.5 in Node 24) offers
// only the key exchange groups given: connects, reads the greeting, says QUIT, and prints one JSON
// line with what TLS came to. Usage: node tls-groups-client.js HOST PORT GROUPS CA_PEM SERVERNAME [COUNT]
// With COUNT, makes that many handshakes one after the other and prints their mean time instead.
'use strict';
const tls = require('tls');
const fs = require('fs');

const [host, port, groups, caFile, servername, count] = process.argv.slice(2);
const ca = fs.readFileSync(caFile);

function once() {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const socket = tls.connect({ host, port: Number(port), ecdhCurve: groups, ca, servername, minVersion: 'TLSv1.3' });
    let greeting = '';
    socket.setTimeout(10000, () => socket.destroy(new Error('timed out')));
    let negotiated = {};
    socket.on('secureConnect', () => {
      negotiated = {
        protocol: socket.getProtocol(),
        cipher: socket.getCipher() && socket.getCipher().name,
        group: socket.getEphemeralKeyInfo(),
        handshakeMillis: Number(process.hrtime.bigint() - started) / 1e6,
      };
    });
    socket.on('data', (chunk) => {
      greeting += chunk.toString('latin1');
      if (greeting.endsWith('\r\n') && !socket.quitting) {
        socket.quitting = true;
        socket.end('QUIT\r\n');
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(Object.assign({ greeting: greeting.split('\r\n')[0] }, negotiated)));
  });
}

(async () => {
  try {
    if (!count) {
      console.log(JSON.stringify(Object.assign({ ok: true, offered: groups, openssl: process.versions.openssl }, await once())));
      return;
    }
    let total = 0;
    for (let i = 0; i < Number(count); i++) {
      total += (await once()).handshakeMillis;
    }
    console.log(JSON.stringify({ ok: true, offered: groups, handshakes: Number(count), meanMillis: total / Number(count) }));
  } catch (e) {
    console.log(JSON.stringify({ ok: false, offered: groups, error: String(e.message || e) }));
    process.exitCode = 1;
  }
})();
