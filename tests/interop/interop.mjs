// Interop test: an npm WeChat Pay v3 client written by others (wechatpay-axios-plugin, pinned in
// package-lock.json) against paygate in platform mode. Everything protocol-related is done by the
// library's own calls — request signing (its axios request interceptor), response verification
// (its transformResponse `verifier`), AES-256-GCM decryption (Aes.AesGcm) — never by this script.
// (`wxpay crt`, the library's certificate CLI, is broken: docs docs/protocol.md §11.)
//
//   PAYGATE_URL              gateway base URL, e.g. http://127.0.0.1:8080
//   PAYGATE_MCHID            merchant id
//   PAYGATE_MERCHANT_SERIAL  serial of the merchant API certificate
//   PAYGATE_MERCHANT_KEY     merchant private key (PEM file)
//   PAYGATE_PLATFORM_CERT    platform certificate (PEM file) the gateway signs with
//   PAYGATE_APIV3_KEY        file holding the merchant's 32-byte APIv3 key
//   PAYGATE_APPID            optional, default wxd678efh567hg6787
//
// Prints one line per check and `interop: OK` at the end; exits 1 with `FAIL: ...` on the first
// failure. Run by tests/integration/test_interop.py; install with scripts/interop-deps.sh.

import { createRequire } from 'node:module';
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';

const require = createRequire(import.meta.url);

function fail(message) {
  console.error(`FAIL: ${message}`);
  process.exit(1);
}

function check(condition, message) {
  if (!condition) fail(message);
}

let lib;
try {
  lib = require('wechatpay-axios-plugin');
} catch (e) {
  fail(`cannot load wechatpay-axios-plugin (${e.code || e.message}); run scripts/interop-deps.sh `
       + '(npm ci --prefix tests/interop)');
}
const { Wechatpay, Aes } = lib;
const libVersion = require('wechatpay-axios-plugin/package.json').version;
const axiosVersion = require(require.resolve('axios/package.json',
  { paths: [require.resolve('wechatpay-axios-plugin')] })).version;

function env(name, fallback) {
  const value = process.env[name] ?? fallback;
  check(value !== undefined && value !== '', `environment variable ${name} is not set`);
  return value;
}

const baseURL = env('PAYGATE_URL').replace(/\/*$/, '/');
const mchid = env('PAYGATE_MCHID');
const merchantSerial = env('PAYGATE_MERCHANT_SERIAL');
const merchantKey = readFileSync(env('PAYGATE_MERCHANT_KEY'));
const platformPem = readFileSync(env('PAYGATE_PLATFORM_CERT'), 'utf8');
const apiv3Key = readFileSync(env('PAYGATE_APIV3_KEY'), 'utf8').replace(/[\r\n]+$/, '');
const appid = env('PAYGATE_APPID', 'wxd678efh567hg6787');
check(Buffer.byteLength(apiv3Key) === 32, `the APIv3 key must be 32 bytes, got ${Buffer.byteLength(apiv3Key)}`);
const platformSerial = new X509Certificate(platformPem).serialNumber;

console.log(`interop: wechatpay-axios-plugin ${libVersion} (axios ${axiosVersion}), gateway ${baseURL}`);

// A library client; `certs` is its {serial: certificate or public key} map for verifying replies.
function client(certs, privateKey = merchantKey) {
  const wxpay = new Wechatpay({ mchid, serial: merchantSerial, privateKey, certs, baseURL });
  // The library verifies in its first transformResponse step (Decorator.responseVerifier, a
  // function named `verifier`); a client built without it would accept anything.
  const steps = [].concat(wxpay.client.v3.defaults.transformResponse || []);
  check(steps.length > 0 && steps[0].name === 'verifier',
        'the library client is configured without its response verifier '
        + `(transformResponse: ${steps.map((f) => f.name || '?').join(', ') || 'none'})`);
  return wxpay;
}

function describe(e) {
  const r = e && e.response;
  if (!r) return `${e && e.code ? `${e.code}: ` : ''}${e && e.message}`;
  return `${e.code || ''} HTTP ${r.status} ${JSON.stringify(r.data)} headers ${JSON.stringify(r.headers)}`;
}

async function call(what, promise) {
  try {
    return await promise;
  } catch (e) {
    return fail(`${what}: ${describe(e)}`);
  }
}

// The same call must be refused by the library; returns the error code.
async function refused(what, promise) {
  let reply;
  try {
    reply = await promise;
  } catch (e) {
    return e.code || e.message;
  }
  return fail(`${what}: the library accepted it (HTTP ${reply.status} ${JSON.stringify(reply.data)})`);
}

function signedBy(reply, serial, what) {
  check(reply.headers['wechatpay-serial'] === serial,
        `${what}: Wechatpay-Serial ${reply.headers['wechatpay-serial']} is not ${serial}`);
}

// 1. GET /v3/certificates with the platform certificate from the file as the verifier's key, then
//    decrypt every entry with the APIv3 key (the library's AES-256-GCM helper).
const bootstrap = client({ [platformSerial]: platformPem });
const certsReply = await call('GET /v3/certificates', bootstrap.v3.certificates.get());
check(certsReply.status === 200, `GET /v3/certificates: HTTP ${certsReply.status}`);
signedBy(certsReply, platformSerial, 'GET /v3/certificates');
const list = certsReply.data && certsReply.data.data;
check(Array.isArray(list) && list.length > 0, `GET /v3/certificates: no data[]: ${JSON.stringify(certsReply.data)}`);
const downloaded = {};
for (const item of list) {
  const enc = item.encrypt_certificate || {};
  check(enc.algorithm === 'AEAD_AES_256_GCM', `certificate ${item.serial_no}: algorithm ${enc.algorithm}`);
  let pem;
  try {
    pem = Aes.AesGcm.decrypt(enc.ciphertext, apiv3Key, enc.nonce, enc.associated_data);
  } catch (e) {
    fail(`certificate ${item.serial_no}: Aes.AesGcm.decrypt with the APIv3 key failed: ${e.message}`);
  }
  const x509 = new X509Certificate(pem);
  check(x509.serialNumber === item.serial_no,
        `certificate ${item.serial_no}: decrypted certificate has serial ${x509.serialNumber}`);
  downloaded[item.serial_no] = pem;
  // The negative control of the decryption: another APIv3 key must fail the GCM tag check.
  const wrongKey = randomBytes(16).toString('hex');
  let garbage;
  try {
    garbage = Aes.AesGcm.decrypt(enc.ciphertext, wrongKey, enc.nonce, enc.associated_data);
  } catch (e) {
    garbage = null;
  }
  check(garbage === null, `certificate ${item.serial_no}: decrypted with a wrong APIv3 key`);
}
check(downloaded[platformSerial] !== undefined,
      `GET /v3/certificates: platform serial ${platformSerial} not listed (${Object.keys(downloaded)})`);
check(downloaded[platformSerial] === platformPem,
      'the decrypted certificate differs from the platform certificate file:\n'
      + `--- decrypted\n${downloaded[platformSerial]}--- file\n${platformPem}`);
console.log(`certificates: ${list.length} listed, reply signature verified, decrypted PEM equals `
            + `the platform certificate (serial ${platformSerial}), wrong APIv3 key rejected`);

// 2. The downloaded certificates become the verifier's keys for the payment calls.
const wxpay = client(downloaded);
const outTradeNo = `interop_${Date.now()}_${randomBytes(3).toString('hex')}`;
const order = {
  appid,
  mchid,
  description: 'paygate interop 测试',
  out_trade_no: outTradeNo,
  notify_url: 'https://merchant.example/notify',
  amount: { total: 1, currency: 'CNY' },
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
};
const created = await call('POST /v3/pay/transactions/jsapi', wxpay.v3.pay.transactions.jsapi.post(order));
check(created.status === 200, `POST /v3/pay/transactions/jsapi: HTTP ${created.status}`);
signedBy(created, platformSerial, 'POST /v3/pay/transactions/jsapi');
check(typeof created.data.prepay_id === 'string' && created.data.prepay_id.length > 0,
      `POST /v3/pay/transactions/jsapi: no prepay_id in ${JSON.stringify(created.data)}`);
console.log(`jsapi: HTTP 200 prepay_id=${created.data.prepay_id}, reply signature verified`);

const query = (client_, config = {}) => client_.v3.pay.transactions.outTradeNo._out_trade_no_.get(
  { params: { mchid }, out_trade_no: outTradeNo, ...config },
);
const queried = await call('GET /v3/pay/transactions/out-trade-no/{out_trade_no}', query(wxpay));
check(queried.status === 200, `GET query: HTTP ${queried.status}`);
signedBy(queried, platformSerial, 'GET query');
check(queried.data.out_trade_no === outTradeNo && queried.data.mchid === mchid,
      `GET query: wrong order ${JSON.stringify(queried.data)}`);
check(queried.data.trade_state === 'NOTPAY', `GET query: trade_state ${queried.data.trade_state}`);
console.log(`query: HTTP 200 trade_state=${queried.data.trade_state}, reply signature verified`);

// 3. Negative controls: the library must refuse what it should refuse, so this test can fail.
//    A reply whose body is altered after it left the gateway (NOTPAY -> SUCCESS), fed through the
//    library's own transformResponse chain:
const libSteps = [].concat(wxpay.client.v3.defaults.transformResponse);
const tamper = (data) => (typeof data === 'string' ? data.replace('NOTPAY', 'SUCCESS') : data);
let tampered = false;
const code = await refused('a reply with a tampered body', query(wxpay, {
  transformResponse: [(data) => { const t = tamper(data); tampered = t !== data; return t; }, ...libSteps],
}));
check(tampered, 'the tampered-body control did not alter the body (no NOTPAY in the raw reply)');
check(code === 'EV3_RES_HEADER_SIGNATURE_DIGEST', `tampered body: refused with ${code}, expected EV3_RES_HEADER_SIGNATURE_DIGEST`);
console.log(`negative: tampered reply body rejected by the library (${code})`);

//    The right serial with another key: verification must fail.
const { publicKey: otherKey, privateKey: otherPrivate } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const wrongCode = await refused('a reply checked with the wrong platform key', query(client({ [platformSerial]: otherKey })));
check(wrongCode === 'EV3_RES_HEADER_SIGNATURE_DIGEST', `wrong platform key: refused with ${wrongCode}`);
console.log(`negative: reply checked with another platform key rejected (${wrongCode})`);

//    A request signed with a key the gateway does not know: 401 SIGN_ERROR, never forwarded.
let status;
let body;
try {
  const r = await query(client(downloaded, otherPrivate));
  fail(`request signed with an unknown key: gateway answered HTTP ${r.status} ${JSON.stringify(r.data)}`);
} catch (e) {
  check(e.response, `request signed with an unknown key: ${describe(e)}`);
  ({ status, data: body } = e.response);
}
check(status === 401 && body && body.code === 'SIGN_ERROR',
      `request signed with an unknown key: HTTP ${status} ${JSON.stringify(body)}, expected 401 SIGN_ERROR`);
console.log('negative: request signed with an unknown merchant key refused (HTTP 401 SIGN_ERROR)');

console.log('interop: OK');
