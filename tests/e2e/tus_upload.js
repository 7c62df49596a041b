// Uploads one file with a real tus-js-client (tests/peers) in 256 KiB chunks and prints one JSON
// line {"url": <upload URL>, "bytes": <size>}. Extra request headers (a session bearer token) come
// from the environment variable TUS_AUTHORIZATION.
// Usage: NODE_PATH=<peers>/node_modules node tus_upload.js ENDPOINT FILE FILENAME
'use strict';
const fs = require('fs');
const tus = require('tus-js-client');

const [endpoint, file, filename] = process.argv.slice(2);
const data = fs.readFileSync(file);
const headers = {};
if (process.env.TUS_AUTHORIZATION) headers.Authorization = process.env.TUS_AUTHORIZATION;

const upload = new tus.Upload(data, {
  endpoint,
  chunkSize: 256 * 1024,
  retryDelays: [100, 500, 1000],
  headers,
  metadata: { filename, filetype: 'video/mp4' },
  onSuccess() {
    console.log(JSON.stringify({ url: upload.url, bytes: data.length }));
  },
  onError(error) {
    console.error(String(error));
    process.exit(1);
  },
});
upload.start();
