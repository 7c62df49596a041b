// Wallet sign-in: the server issues the challenge (a complete SIWE / EIP-4361 message with a
// single-use nonce, its own domain and URI), the wallet signs exactly that text, and the server
// verifies it and returns a session JWT. The page never composes the message itself, so it
// cannot be tricked into signing one for another domain.
//
// Ethereum: any EIP-1193 provider at window.ethereum (eth_requestAccounts, eth_chainId,
// personal_sign). Solana: a provider at window.phantom.solana or window.solana with
// connect() and signMessage(bytes) (Phantom, Solflare, Backpack share that interface).
import { api, setSession } from './api.js';

export function ethereumProvider() {
  const provider = window.ethereum;
  return provider && typeof provider.request === 'function' ? provider : null;
}

export function solanaProvider() {
  const provider = (window.phantom && window.phantom.solana) || window.solana;
  return provider && typeof provider.connect === 'function' &&
         typeof provider.signMessage === 'function' ? provider : null;
}

function utf8Hex(text) {
  let hex = '0x';
  for (const byte of new TextEncoder().encode(text)) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

function bytesHex(bytes) {
  let hex = '0x';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}

// Wallet errors (EIP-1193 code 4001: the user said no) in words a viewer understands.
function walletError(error) {
  if (error && (error.code === 4001 || /reject|denied|cancel/i.test(error.message || ''))) {
    return new Error('The wallet request was rejected.');
  }
  return error instanceof Error ? error : new Error(String(error));
}

async function finish(challenge, scheme, signature) {
  const session = await api('/api/v1/auth/verify-signature', {
    method: 'POST',
    auth: false,
    body: { scheme, address: challenge.address, message: challenge.message, signature },
  });
  setSession({
    token: session.token,
    address: session.claims.sub,
    chain: session.claims.chain,
    scheme: session.claims.scheme,
    expires_at: session.expires_at,
  });
  return session.claims.sub;
}

export async function signInWithEthereum() {
  const provider = ethereumProvider();
  if (!provider) {
    throw new Error('No Ethereum wallet found. Install a browser wallet (e.g. MetaMask) and reload.');
  }
  let account;
  let chain;
  try {
    const accounts = await provider.request({ method: 'eth_requestAccounts' });
    if (!Array.isArray(accounts) || accounts.length === 0) throw new Error('The wallet shared no account.');
    account = accounts[0];
    chain = String(Number.parseInt(await provider.request({ method: 'eth_chainId' }), 16));
  } catch (error) {
    throw walletError(error);
  }
  // The server checks the chain against its allowed list and checksums the address (EIP-55).
  const challenge = await api('/api/v1/auth/challenge', {
    method: 'POST', auth: false, body: { address: account, chain },
  });
  let signature;
  try {
    signature = await provider.request({
      method: 'personal_sign',
      params: [utf8Hex(challenge.message), challenge.address],
    });
  } catch (error) {
    throw walletError(error);
  }
  return finish(challenge, 'siwe', signature);
}

export async function signInWithSolana() {
  const provider = solanaProvider();
  if (!provider) throw new Error('No Solana wallet found.');
  let address;
  try {
    const connected = await provider.connect();
    const key = (connected && connected.publicKey) || provider.publicKey;
    address = key.toString();
  } catch (error) {
    throw walletError(error);
  }
  const challenge = await api('/api/v1/auth/challenge', {
    method: 'POST', auth: false, body: { address, chain: 'solana' },
  });
  let signed;
  try {
    signed = await provider.signMessage(new TextEncoder().encode(challenge.message), 'utf8');
  } catch (error) {
    throw walletError(error);
  }
  const bytes = signed && signed.signature ? signed.signature : signed;
  return finish(challenge, 'solana', bytesHex(bytes));
}

export async function signOut() {
  // Sessions are stateless JWTs: forgetting ours ends it for this tab. Solana wallets also
  // like to be told.
  const solana = solanaProvider();
  if (solana && typeof solana.disconnect === 'function') {
    try { await solana.disconnect(); } catch { /* nothing to undo */ }
  }
  setSession(null);
}
