// A minimal SMTP server in Node.js (its OpenSSL 3.5) whose STARTTLS accepts only the key exchange
// groups given, for the outbound key exchange test: one message at a time, kept in OUT_FILE.
// Usage: node tls-groups-mx.js PORT KEY_PEM CERT_PEM GROUPS OUT_FILE   (prints "listening PORT")
'use strict';
const net = require('net');
const tls = require('tls');
const fs = require('fs');

const [port, keyFile, certFile, groups, outFile] = process.argv.slice(2);
const context = tls.createSecureContext({
  key: fs.readFileSync(keyFile), cert: fs.readFileSync(certFile), ecdhCurve: groups, minVersion: 'TLSv1.3' });

const server = net.createServer((plain) => {
  let secure = null;
  let buffer = '';
  let inData = false;
  let data = '';
  const reply = (line) => (secure || plain).write(line + '\r\n');
  const onLine = (line) => {
    if (inData) {
      if (line === '.') {
        inData = false;
        fs.appendFileSync(outFile, data + '--- over ' + (secure ? secure.getProtocol() : 'plaintext') + '\n');
        data = '';
        reply('250 2.0.0 kept');
      } else {
        data += (line.startsWith('..') ? line.slice(1) : line) + '\n';
      }
      return;
    }
    const verb = line.split(' ')[0].toUpperCase();
    if (verb === 'EHLO') {
      reply('250-node-mx');
      reply(secure ? '250 8BITMIME' : '250 STARTTLS');
    } else if (verb === 'STARTTLS' && !secure) {
      reply('220 2.0.0 ready');
      plain.removeAllListeners('data');
      secure = new tls.TLSSocket(plain, { isServer: true, secureContext: context });
      secure.on('data', onData);
      secure.on('error', (e) => console.log('tls error: ' + e.message));
      buffer = '';
    } else if (['MAIL', 'RCPT', 'RSET', 'NOOP'].includes(verb)) {
      reply('250 2.0.0 ok');
    } else if (verb === 'DATA') {
      inData = true;
      reply('354 go ahead');
    } else if (verb === 'QUIT') {
      reply('221 2.0.0 bye');
      (secure || plain).end();
    } else {
      reply('500 5.5.1 unknown command');
    }
  };
  const onData = (chunk) => {
    buffer += chunk.toString('latin1');
    for (let i; (i = buffer.indexOf('\r\n')) >= 0;) {
      const line = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      onLine(line);
    }
  };
  plain.on('data', onData);
  plain.on('error', () => {});
  reply('220 node-mx ESMTP');
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening ' + server.address().port));
