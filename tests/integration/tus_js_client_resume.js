// A real tus-js-client (tests/peers) uploads a file, is interrupted, and a second client resumes
// the same upload by its URL. Prints one JSON line:
//   {"url", "interrupted_at", "resumed_from", "final_url"}
// The first client sends 256 KiB chunks and is aborted once the second chunk is acknowledged.
// (A PATCH cut in the middle of its body is covered by upload_test.cpp with a raw socket:
// tus-js-client reports progress only once a whole chunk is handed to the socket.)
// Usage: NODE_PATH=<peers>/node_modules node tus_js_client_resume.js ENDPOINT FILE
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const tus = require('tus-js-client');

const [endpoint, path] = process.argv.slice(2);
const data = fs.readFileSync(path);
// The client chooses its upload secret (tus "challenge" style) and sends it on every request.
const headers = { 'Upload-Secret': crypto.randomBytes(32).toString('hex') };
const retryDelays = [100, 200, 500, 1000, 2000, 4000];
const chunkSize = 256 * 1024;

function fail(message) {
  console.error(message);
  process.exit(1);
}

function firstRun() {
  return new Promise((resolve, reject) => {
    let stopped = false;
    const upload = new tus.Upload(data, {
      endpoint,
      chunkSize,
      retryDelays,
      headers,
      metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
      onChunkComplete(_size, accepted) {
        if (!stopped && accepted >= 2 * chunkSize) {
          stopped = true;
          upload.abort(false).then(() => resolve({ url: upload.url, at: accepted }));
        }
      },
      onSuccess() {
        if (!stopped) reject(new Error('the first client finished before being interrupted'));
      },
      onError: reject,
    });
    upload.start();
  });
}

function secondRun(url) {
  return new Promise((resolve, reject) => {
    let resumedFrom = null;
    const upload = new tus.Upload(data, {
      endpoint,
      uploadUrl: url,
      chunkSize,
      retryDelays,
      headers,
      onBeforeRequest(req) {
        if (req.getMethod() === 'PATCH' && resumedFrom === null) {
          resumedFrom = Number(req.getHeader('Upload-Offset'));
        }
      },
      onAfterResponse(req, res) {
        if (req.getMethod() === 'HEAD' && resumedFrom === null && res.getStatus() === 200 &&
            Number(res.getHeader('Upload-Offset')) === data.length) {
          resumedFrom = data.length;  // everything had arrived: nothing left to send
        }
      },
      onSuccess() {
        resolve({ url: upload.url, resumedFrom });
      },
      onError: reject,
    });
    upload.start();
  });
}

(async () => {
  const first = await firstRun();
  if (!first.url) fail('no upload URL after the first run');
  const second = await secondRun(first.url);
  console.log(JSON.stringify({
    url: first.url,
    interrupted_at: first.at,
    resumed_from: second.resumedFrom,
    final_url: second.url,
  }));
})().catch((error) => fail(`tus-js-client: ${error && error.stack ? error.stack : error}`));
