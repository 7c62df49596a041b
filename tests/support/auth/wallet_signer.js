// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// A real wallet for the auth tests: signs with ethers v6, builds SIWE messages with the `siwe`
// package and signs Solana messages with tweetnacl. Usage: node wallet_signer.js REQUEST.json
// where the request is {"op": ..., ...} (or an array of them); prints the JSON answer on stdout.
//   {"op":"siwe","key":"0x..","fields":{domain,uri,chainId,nonce,issuedAt,...}}
//       -> {address, message, signature}   (message from siwe's SiweMessage.prepareMessage())
//   {"op":"personal","key":"0x..","message":"..."}  -> {address, message, signature}
//   {"op":"typed","key":"0x..","typed_data":{domain,types,primaryType,message}}
//       -> {address, signature, digest}     (ethers Wallet.signTypedData, TypedDataEncoder.hash)
//   {"op":"hash712","typed_data":{...}}     -> {digest, encode_type}
//   {"op":"solana","seed":"<64 hex>","message":"..."} -> {address, message, signature} (base58)
'use strict';
const fs = require('fs');
const path = require('path');
const peers = process.env.STREAMGATE_TEST_PEERS_DIR ||
    path.join(__dirname, '..', '..', 'peers', 'node_modules');
const { Wallet, TypedDataEncoder } = require(path.join(peers, 'ethers'));
const { SiweMessage } = require(path.join(peers, 'siwe'));
const nacl = require(path.join(peers, 'tweetnacl'));

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let out = '';
  while (n > 0n) { out = ALPHABET[Number(n % 58n)] + out; n /= 58n; }
  for (const b of bytes) { if (b !== 0) break; out = '1' + out; }
  return out;
}

function withoutDomainType(types) {
  const copy = Object.assign({}, types);
  delete copy.EIP712Domain;
  return copy;
}

async function handle(request) {
  let out;
  switch (request.op) {
    case 'siwe': {
      const wallet = new Wallet(request.key);
      const fields = Object.assign({ address: wallet.address, version: '1' }, request.fields);
      const message = new SiweMessage(fields).prepareMessage();
      out = { address: wallet.address, message, signature: await wallet.signMessage(message) };
      break;
    }
    case 'personal': {
      const wallet = new Wallet(request.key);
      out = { address: wallet.address, message: request.message,
              signature: await wallet.signMessage(request.message) };
      break;
    }
    case 'typed': {
      const wallet = new Wallet(request.key);
      const td = request.typed_data;
      const types = withoutDomainType(td.types);
      out = { address: wallet.address,
              signature: await wallet.signTypedData(td.domain, types, td.message),
              digest: TypedDataEncoder.hash(td.domain, types, td.message) };
      break;
    }
    case 'hash712': {
      const td = request.typed_data;
      const types = withoutDomainType(td.types);
      out = { digest: TypedDataEncoder.hash(td.domain, types, td.message),
              encode_type: TypedDataEncoder.from(types).encodeType(td.primaryType) };
      break;
    }
    case 'solana': {
      const pair = nacl.sign.keyPair.fromSeed(Buffer.from(request.seed, 'hex'));
      const signature = nacl.sign.detached(Buffer.from(request.message, 'utf8'), pair.secretKey);
      out = { address: base58(pair.publicKey), message: request.message,
              signature: base58(signature) };
      break;
    }
    default:
      throw new Error('unknown op ' + request.op);
  }
  return out;
}

// A JSON array of requests is answered with an array, in order (one node start for many).
async function main() {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const out = Array.isArray(request) ? await Promise.all(request.map(handle)) : await handle(request);
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((error) => { process.stderr.write(String(error.stack || error) + '\n'); process.exit(1); });
