// Interop test: a merchant's notify_url endpoint built on an npm WeChat Pay v3 library written by
// others (wechatpay-axios-plugin, pinned in package-lock.json), for the notifications paygate
// delivers. Everything protocol-related is done by the library's own calls — the signature over
// "timestamp\nnonce\nbody\n" (Formatter.response + Rsa.verify, with the certificate loaded by
// Rsa.from) and the AEAD_AES_256_GCM resource (Aes.AesGcm.decrypt) — never by this script.
//
//   PAYGATE_RECEIVER_PORT   port on 127.0.0.1 to listen on; 0 (the default) picks a free one
//   PAYGATE_PLATFORM_CERT   platform certificate (PEM file) the notifications must be signed with
//   PAYGATE_APIV3_KEY       file holding the merchant's 32-byte APIv3 key
//
// Prints `listening PORT` once ready, then one JSON line per POST: on success
// {"id","event_type","summary","verified":true,"resource":<decrypted resource>} and answers 204;
// otherwise {"error","failed":[check names],"id"?} and answers 401 {"code":"FAIL","message"}.
// Every check runs, so `failed` names each one that did not pass (headers, timestamp, signature,
// serial, body, algorithm, decrypt). Run by tests/integration/test_interop.py; install with
// scripts/interop-deps.sh.

import { createRequire } from 'node:module';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const MAXIMUM_CLOCK_OFFSET = 300;  // seconds, as the library allows for replies

function die(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

let lib;
try {
  lib = require('wechatpay-axios-plugin');
} catch (e) {
  die(`cannot load wechatpay-axios-plugin (${e.code || e.message}); run scripts/interop-deps.sh `
      + '(npm ci --prefix tests/interop)');
}
const { Rsa, Aes, Formatter } = lib;

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  if (value === undefined || value === '') die(`environment variable ${name} is not set`);
  return value;
}

const port = Number(env('PAYGATE_RECEIVER_PORT', '0'));
const platformPem = readFileSync(env('PAYGATE_PLATFORM_CERT'), 'utf8');
const platformKey = Rsa.from(platformPem, Rsa.KEY_TYPE_PUBLIC);
const platformSerial = new X509Certificate(platformPem).serialNumber;
const apiv3Key = readFileSync(env('PAYGATE_APIV3_KEY'), 'utf8').replace(/[\r\n]+$/, '');
if (Buffer.byteLength(apiv3Key) !== 32) {
  die(`the APIv3 key must be 32 bytes, got ${Buffer.byteLength(apiv3Key)}`);
}

// Checks one delivery; returns {notification} or {failed, messages, id}.
function check(headers, body) {
  const failed = [];
  const messages = [];
  const fail = (name, message) => { failed.push(name); messages.push(`${name}: ${message}`); };
  const timestamp = headers['wechatpay-timestamp'];
  const nonce = headers['wechatpay-nonce'];
  const signature = headers['wechatpay-signature'];
  const serial = headers['wechatpay-serial'];
  if (!timestamp || !nonce || !signature || !serial) {
    fail('headers', 'Wechatpay-Timestamp, -Nonce, -Signature and -Serial are required');
  } else {
    const offset = Math.abs(Formatter.timestamp() - Number(timestamp));
    if (!(offset <= MAXIMUM_CLOCK_OFFSET)) {
      fail('timestamp', `Wechatpay-Timestamp ${timestamp} is ${offset}s off the local clock`);
    }
    if (!Rsa.verify(Formatter.response(timestamp, nonce, body), signature, platformKey)) {
      fail('signature', `Rsa.verify with the platform certificate ${platformSerial} failed`);
    }
    if (serial !== platformSerial) {
      fail('serial', `Wechatpay-Serial ${serial} is not the certificate's ${platformSerial}`);
    }
  }

  let envelope;
  try {
    envelope = JSON.parse(body);
  } catch (e) {
    fail('body', `not JSON: ${e.message}`);
  }
  const resource = (envelope && envelope.resource) || {};
  let plaintext;
  if (envelope && resource.algorithm !== 'AEAD_AES_256_GCM') {
    fail('algorithm', `resource.algorithm is ${resource.algorithm}`);
  } else if (envelope) {
    try {
      plaintext = JSON.parse(Aes.AesGcm.decrypt(resource.ciphertext, apiv3Key, resource.nonce,
                                                resource.associated_data));
    } catch (e) {
      fail('decrypt', `Aes.AesGcm.decrypt with the APIv3 key failed: ${e.message}`);
    }
  }
  if (failed.length > 0) return { failed, messages, id: envelope && envelope.id };
  const { id, event_type: eventType, summary } = envelope;
  return {
    notification: { id, event_type: eventType, summary, verified: true, resource: plaintext },
  };
}

function answer(res, status, body) {
  if (body === undefined) {  // 204: no body, no Content-Length (RFC 9110 section 8.6)
    res.writeHead(status);
    res.end();
    return;
  }
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data),
  });
  res.end(data);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST') {
      answer(res, 405, { code: 'FAIL', message: `${req.method} is not POST` });
      return;
    }
    const result = check(req.headers, Buffer.concat(chunks).toString('utf8'));
    if (result.notification) {
      console.log(JSON.stringify(result.notification));
      answer(res, 204);
      return;
    }
    const error = result.messages.join('; ');
    console.log(JSON.stringify({ error, failed: result.failed, id: result.id }));
    answer(res, 401, { code: 'FAIL', message: error });
  });
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});
