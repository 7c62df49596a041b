// The pieces every browser test needs, each started on 127.0.0.1 on a free port and stopped
// by cleanup() even when the test fails: a ganache node with the test contracts
// (tests/fixtures/chain/deploy_contracts.mjs), a generated clip (ffmpeg CLI), the monolith
// binary with a temporary data_dir, Debian's chromium driven by playwright-core, and wallets
// (ethers, ganache's deterministic keys) that sign in over the HTTP API or inside the page
// through an injected EIP-1193 provider.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// ganache --wallet.deterministic: accounts 0, 1 and 2. deploy_contracts.mjs mints ERC-721
// token 1 to account 0 and token 2 to account 1; account 2 holds nothing.
export const KEYS = {
  account0: '0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d',
  account1: '0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1',
  account2: '0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c',
};
export const CHAIN_ID = 1337;

export function parseArgs(argv) {
  const [scenario, ...rest] = argv;
  const options = { scenario };
  for (let i = 0; i < rest.length; i += 2) {
    if (!rest[i].startsWith('--') || rest[i + 1] === undefined) {
      throw new Error(`bad argument ${rest[i]}`);
    }
    options[rest[i].slice(2)] = rest[i + 1];
  }
  for (const required of ['monolith', 'peers', 'source', 'artifacts', 'chromium']) {
    if (!options[required]) throw new Error(`missing --${required}`);
  }
  return options;
}

export function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`ok - ${message}`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(what, timeoutMs, probe, intervalMs = 200) {
  const giveUp = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > giveUp) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
                      (last instanceof Error ? ` (last error: ${last.message})` : ''));
    }
    await sleep(intervalMs);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Owns everything a test starts; stop() undoes it in reverse order, once.
export class Harness {
  constructor(options) {
    this.options = options;
    this.require = createRequire(path.join(path.resolve(options.peers), '..', 'package.json'));
    this.tmp = fs.mkdtempSync(path.join(os.tmpdir(), `sg-browser-${options.scenario}-`));
    this.stack = [];
    this.logs = [];
    this.stopping = null;
    fs.mkdirSync(options.artifacts, { recursive: true });
    // setpriv --pdeathsig: children die with the runner even if it is SIGKILLed.
    this.setpriv = spawnSync('setpriv', ['--version']).status === 0;
  }

  onStop(step) {
    this.stack.push(step);
  }

  // Idempotent: a signal and the test's own ending may both ask; both wait for the one run.
  stop() {
    if (!this.stopping) this.stopping = this.unwind();
    return this.stopping;
  }

  async unwind() {
    while (this.stack.length > 0) {
      const step = this.stack.pop();
      try {
        await step();
      } catch (error) {
        console.error(`cleanup: ${error.message}`);
      }
    }
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }

  // A child in its own process group (killed as a group), output to a log file.
  spawn(name, command, args, env = {}) {
    const log = path.join(this.tmp, `${name}.log`);
    const out = fs.openSync(log, 'w');
    const [file, argv] = this.setpriv
      ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
      : [command, args];
    const child = spawn(file, argv, {
      detached: true, stdio: ['ignore', out, out], env: { ...process.env, ...env },
    });
    fs.closeSync(out);
    let exited = false;
    child.on('exit', () => { exited = true; });
    this.logs.push({ name, log });
    this.onStop(async () => {
      if (exited) return;
      try { process.kill(-child.pid, 'SIGTERM'); } catch { return; }
      const giveUp = Date.now() + 5000;
      while (!exited && Date.now() < giveUp) await sleep(50);
      if (!exited) {
        try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
      }
    });
    return { child, log, exited: () => exited };
  }

  printLogs() {
    for (const { name, log } of this.logs) {
      let text = '';
      try { text = fs.readFileSync(log, 'utf8'); } catch { continue; }
      const lines = text.trimEnd().split('\n').slice(-40).join('\n');
      if (lines) console.error(`--- last lines of ${name} ---\n${lines}`);
    }
  }

  async startGanache() {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    this.spawn('ganache', path.join(this.options.peers, '.bin', 'ganache'), [
      '--wallet.deterministic', '--server.host', '127.0.0.1', '--server.port', String(port),
      '--chain.chainId', String(CHAIN_ID), '--miner.instamine', 'eager', '--logging.quiet']);
    await waitFor('ganache', 60000, async () => {
      const reply = await rpc(url, 'eth_chainId', []);
      return reply.result !== undefined;
    });
    const deploy = spawnSync('node', [
      path.join(this.options.source, 'tests', 'fixtures', 'chain', 'deploy_contracts.mjs'), url,
      this.options.peers], { encoding: 'utf8', timeout: 90000 });
    if (deploy.status !== 0) throw new Error(`deploying the test contracts failed: ${deploy.stderr}`);
    this.chain = { url, ...JSON.parse(deploy.stdout) };
    console.log(`ganache on ${url}, ERC-721 at ${this.chain.erc721}`);
    return this.chain;
  }

  // A 4-second 320x240 clip with audio.
  makeClip(seconds = 4) {
    const clip = path.join(this.tmp, 'clip.mp4');
    const made = spawnSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y', '-f', 'lavfi', '-i',
      'testsrc2=size=320x240:rate=24', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(seconds), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-shortest', clip], { encoding: 'utf8' });
    if (made.status !== 0) throw new Error(`ffmpeg failed: ${made.stderr}`);
    return clip;
  }

  async startMonolith() {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = {
      data_dir: path.join(this.tmp, 'data'),
      server: { host: '127.0.0.1', port },
      log: { level: 'warn' },
      auth: { domain: `127.0.0.1:${port}`, uri: base, allowed_chain_ids: [CHAIN_ID] },
      chain: { rpc_urls: `${CHAIN_ID}=${this.chain.url}`, cache_ttl_s: 1, negative_cache_ttl_s: 1 },
      // Two small rungs, so that the quality menu has a choice; one-second segments.
      transcode: { ladder: '240:400,144:150', segment_seconds: 1, preset: 'ultrafast' },
    };
    const file = path.join(this.tmp, 'streamgate.json');
    fs.writeFileSync(file, JSON.stringify(config, null, 2));
    const proc = this.spawn('monolith', this.options.monolith, ['--config', file]);
    await waitFor('the monolith', 60000, async () => {
      if (proc.exited()) throw new Error('the monolith exited');
      const response = await fetch(`${base}/health`);
      return response.ok;
    });
    this.base = base;
    console.log(`monolith on ${base}`);
    return base;
  }

  async launchBrowser() {
    if (!fs.existsSync(this.options.chromium)) {
      throw new Error(`chromium not found at ${this.options.chromium} (Debian package chromium)`);
    }
    const { chromium } = this.require('playwright-core');
    const browser = await chromium.launch({
      executablePath: this.options.chromium,
      headless: true,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required', '--disable-gpu',
             '--disable-dev-shm-usage', '--mute-audio'],
    });
    this.onStop(() => browser.close());
    return browser;
  }

  async screenshot(page, name) {
    const file = path.join(this.options.artifacts, `${this.options.scenario}-${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    console.log(`screenshot: ${file}`);
    return file;
  }

  wallet(key) {
    const { ethers } = this.require('ethers');
    return new ethers.Wallet(key);
  }

  // Sign-in over the HTTP API, as a non-browser client would (challenge, SIWE, session JWT).
  async signIn(wallet) {
    const challenge = await this.json('GET',
      `/api/v1/auth/challenge?address=${wallet.address}&chain=${CHAIN_ID}`);
    const signature = await wallet.signMessage(challenge.message);
    const session = await this.json('POST', '/api/v1/auth/verify-signature', {
      body: { scheme: 'siwe', address: wallet.address, message: challenge.message, signature },
    });
    return session.token;
  }

  async request(method, target, { body, token, headers = {} } = {}) {
    const init = { method, headers: { ...headers } };
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      if (typeof body === 'object' && !(body instanceof Uint8Array)) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      } else {
        init.body = body;
      }
    }
    return fetch(`${this.base}${target}`, init);
  }

  // A GET with the target sent exactly as given (fetch would normalise "%2e%2e" away).
  rawGet(target) {
    return new Promise((resolve, reject) => {
      const url = new URL(this.base);
      const request = http.request({ host: url.hostname, port: url.port, path: target, method: 'GET' },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode, headers: response.headers }));
        });
      request.on('error', reject);
      request.end();
    });
  }

  async json(method, target, options = {}) {
    const response = await this.request(method, target,
      { ...options, headers: { Accept: 'application/json', ...(options.headers || {}) } });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} ${target}: HTTP ${response.status} ${text}`);
    return JSON.parse(text);
  }
}

export async function rpc(url, method, params) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  return response.json();
}

// An EIP-1193 provider at window.ethereum whose key stays in node: the page asks, node signs
// with ethers (personal_sign), as a browser wallet would after the user clicks "Sign".
// Every message signed is recorded in `signed`.
export async function injectWallet(context, wallet) {
  const signed = [];
  await context.exposeFunction('__streamgateTestWallet', async (method, params) => {
    switch (method) {
      case 'eth_requestAccounts':
      case 'eth_accounts':
        return { result: [wallet.address.toLowerCase()] };
      case 'eth_chainId':
        return { result: `0x${CHAIN_ID.toString(16)}` };
      case 'personal_sign': {
        const [data, address] = params;
        if (String(address).toLowerCase() !== wallet.address.toLowerCase()) {
          return { error: { code: 4100, message: 'unknown account' } };
        }
        const bytes = Buffer.from(String(data).replace(/^0x/, ''), 'hex');
        signed.push(bytes.toString('utf8'));
        return { result: await wallet.signMessage(bytes) };
      }
      default:
        return { error: { code: 4200, message: `unsupported method ${method}` } };
    }
  });
  await context.addInitScript(() => {
    window.ethereum = {
      isStreamGateTestWallet: true,
      async request({ method, params }) {
        const reply = await window.__streamgateTestWallet(method, params || []);
        if (reply.error) {
          const error = new Error(reply.error.message);
          error.code = reply.error.code;
          throw error;
        }
        return reply.result;
      },
      on() {},
      removeListener() {},
    };
  });
  return signed;
}

// A Solana wallet at window.solana (connect, signMessage, disconnect: the interface Phantom and
// others share), signing in node with tweetnacl (ed25519) from a fixed seed.
export async function injectSolanaWallet(context, harness) {
  const nacl = harness.require('tweetnacl');
  const { ethers } = harness.require('ethers');
  const keys = nacl.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
  const address = ethers.encodeBase58(keys.publicKey);
  await context.exposeFunction('__streamgateTestSolana', async (messageHex) => {
    const message = Buffer.from(messageHex, 'hex');
    return Buffer.from(nacl.sign.detached(new Uint8Array(message), keys.secretKey)).toString('hex');
  });
  await context.addInitScript((publicKey) => {
    const key = { toString: () => publicKey, toBase58: () => publicKey };
    window.solana = {
      isStreamGateTestWallet: true,
      publicKey: null,
      async connect() {
        this.publicKey = key;
        return { publicKey: key };
      },
      async disconnect() {
        this.publicKey = null;
      },
      async signMessage(bytes) {
        const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
        const signature = await window.__streamgateTestSolana(hex);
        return { signature: Uint8Array.from(signature.match(/../g).map((b) => parseInt(b, 16))), publicKey: key };
      },
    };
  }, address);
  return address;
}

// Runs `body(harness)` with a deadline well under CTest's, stopping everything however it ends.
export async function run(body) {
  let harness;
  let failed = false;
  const stopOnSignal = async (signal) => {
    console.error(`received ${signal}: stopping`);
    if (harness) await harness.stop();
    process.exit(1);
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, stopOnSignal);
  const deadline = setTimeout(async () => {
    console.error('FAIL: the test ran past its 150 s deadline');
    if (harness) {
      harness.printLogs();
      await harness.stop();
    }
    process.exit(1);
  }, 150000);
  try {
    harness = new Harness(parseArgs(process.argv.slice(2)));
    await body(harness);
    console.log('PASS');
  } catch (error) {
    failed = true;
    console.error(`FAIL: ${error.stack || error.message}`);
    if (harness) harness.printLogs();
  } finally {
    clearTimeout(deadline);
    if (harness) await harness.stop();
  }
  process.exit(failed ? 1 : 0);
}
