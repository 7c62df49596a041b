// Browser tests against the monolith on 127.0.0.1 (tests/browser/CMakeLists.txt registers them):
//
//   playback  issue 6: a gated, transcoded item; an NFT holder's real playback token from
//             /api/v1/stream/hls; hls.js (tests/peers) in headless chromium plays the tokenised
//             stream and currentTime advances with no hls.js error; a forged token fails.
//   webapp    issue 10: the web app at / — sign in with an injected EIP-1193 wallet (SIWE),
//             upload a generated clip through tus with title, tags and a gating rule, wait for
//             ready in the library (poster, duration, rule), play it as the NFT holder with the
//             quality menu, the denial message for a wallet without the NFT, sign out.
//
// Usage: node browser_test.mjs <playback|webapp> --monolith BIN --peers tests/peers/node_modules
//          --source REPO --artifacts DIR --chromium /usr/bin/chromium
// Screenshots: DIR/<scenario>-*.png (paths printed).
import fs from 'node:fs';
import path from 'node:path';
import { check, injectSolanaWallet, injectWallet, KEYS, run, sleep, waitFor } from './harness.mjs';

// Uploads through the API (as the owner), waits for ready, gates it on ERC-721 token 1.
async function gatedItem(harness, ownerToken, clip) {
  const upload = await harness.json('POST', '/api/v1/upload?filename=clip.mp4', {
    token: ownerToken, body: fs.readFileSync(clip), headers: { 'Content-Type': 'video/mp4' },
  });
  const id = upload.content_id;
  await waitFor('the item to be transcoded', 90000, async () => {
    const info = await harness.json('GET', `/api/v1/stream/info?content_id=${id}`);
    if (info.state === 'failed') throw new Error('transcoding failed');
    return info.state === 'ready';
  }, 300);
  const rule = { chain: '1337', standard: 'erc721', contract: harness.chain.erc721, token_id: '1' };
  await harness.json('PUT', '/api/v1/metadata/update', { token: ownerToken, body: { id, gating_rule: rule } });
  return id;
}

// Waits until the <video> has played `seconds` and is still advancing.
async function expectPlaying(page, selector, seconds) {
  await page.waitForFunction(([sel, s]) => {
    const video = document.querySelector(sel);
    return video && video.currentTime > s;
  }, [selector, seconds], { timeout: 45000 });
  const before = await page.$eval(selector, (video) => video.currentTime);
  await page.waitForFunction(([sel, t]) => document.querySelector(sel).currentTime > t + 0.25,
    [selector, before], { timeout: 15000 });
  const after = await page.$eval(selector, (video) => video.currentTime);
  check(after > before && before > seconds, `currentTime advances (${before.toFixed(2)} s -> ${after.toFixed(2)} s)`);
  const mediaError = await page.$eval(selector, (video) => (video.error ? video.error.code : null));
  check(mediaError === null, 'the <video> element reports no media error');
}

async function playback(harness) {
  const clip = harness.makeClip();
  await harness.startGanache();
  await harness.startMonolith();
  const owner = harness.wallet(KEYS.account2);
  const holder = harness.wallet(KEYS.account0);
  const ownerToken = await harness.signIn(owner);
  const holderToken = await harness.signIn(holder);
  const id = await gatedItem(harness, ownerToken, clip);

  const grant = await harness.json('GET', `/api/v1/stream/hls?content_id=${id}`, { token: holderToken });
  check(grant.url === `/stream/${id}/master.m3u8?token=${grant.token}` && grant.token.startsWith('pt1.'),
    'the holder gets a playback token and the tokenised master playlist URL');
  const refused = await harness.request('GET', `/api/v1/stream/hls?content_id=${id}`,
    { token: await harness.signIn(harness.wallet(KEYS.account1)), headers: { Accept: 'application/json' } });
  check(refused.status === 403, 'a wallet without token 1 is refused (403)');

  const browser = await harness.launchBrowser();
  const hlsPath = path.join(harness.options.peers, 'hls.js', 'dist', 'hls.min.js');
  const openPlayer = async (src) => {
    const page = await browser.newPage({ viewport: { width: 480, height: 360 } });
    const pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const streamResponses = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/stream/')) {
        streamResponses.push({ url: response.url(), status: response.status() });
      }
    });
    // Same origin as the stream: a page of the monolith, replaced by a bare player.
    await page.goto(`${harness.base}/health`);
    await page.setContent('<!doctype html><html><body style="margin:0;background:#000">' +
      '<video id="v" muted playsinline controls width="480" height="360"></video></body></html>');
    await page.addScriptTag({ path: hlsPath });
    await page.evaluate((url) => {
      window.hlsErrors = [];
      const video = document.getElementById('v');
      const hls = new window.Hls({ enableWorker: false });
      hls.on(window.Hls.Events.ERROR, (_event, data) => {
        window.hlsErrors.push({ details: data.details, fatal: data.fatal,
                                code: data.response ? data.response.code : null });
      });
      hls.on(window.Hls.Events.MANIFEST_PARSED, () => { video.play().catch(() => {}); });
      hls.loadSource(url);
      hls.attachMedia(video);
    }, `${harness.base}${src}`);
    return { page, pageErrors, streamResponses };
  };

  const { page, pageErrors, streamResponses } = await openPlayer(grant.url);
  await expectPlaying(page, '#v', 1.5);
  const errors = await page.evaluate(() => window.hlsErrors);
  check(errors.filter((e) => e.fatal).length === 0, `no fatal hls.js error (${JSON.stringify(errors)})`);
  check(pageErrors.length === 0, `no page error (${pageErrors.join('; ')})`);
  const segments = streamResponses.filter((r) => /\.(m4s|mp4)\?/.test(r.url));
  check(segments.length >= 3, `the player fetched init and media segments (${segments.length})`);
  check(streamResponses.every((r) => r.status === 200 || r.status === 206),
    'every playlist and segment request succeeded');
  check(streamResponses.every((r) => new URL(r.url).searchParams.get('token') === grant.token),
    'every request hls.js made carries the playback token');
  await harness.screenshot(page, 'playing');
  await page.close();

  // A forged token: the master playlist is refused and the player reports a fatal error.
  const forged = grant.token.slice(0, -3) + (grant.token.endsWith('AAA') ? 'BBB' : 'AAA');
  const bad = await openPlayer(`/stream/${id}/master.m3u8?token=${forged}`);
  await bad.page.waitForFunction(() => window.hlsErrors.some((e) => e.fatal), null, { timeout: 20000 });
  const badErrors = await bad.page.evaluate(() => window.hlsErrors);
  check(badErrors.some((e) => e.fatal && e.details === 'manifestLoadError' && e.code === 401),
    `a forged token fails with a fatal manifestLoadError, HTTP 401 (${JSON.stringify(badErrors)})`);
  check(await bad.page.$eval('#v', (video) => video.currentTime) === 0, 'nothing played with the forged token');
  await bad.page.close();
}

async function webapp(harness) {
  const clip = harness.makeClip();
  await harness.startGanache();
  const base = await harness.startMonolith();
  const browser = await harness.launchBrowser();
  const uploader = harness.wallet(KEYS.account1);  // holds token 2, not token 1
  const holder = harness.wallet(KEYS.account0);    // holds token 1
  const stranger = harness.wallet(KEYS.account2);  // holds nothing

  const pageErrors = [];
  const cspViolations = [];
  const walletPage = async (wallet) => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    const signed = await injectWallet(context, wallet);
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) cspViolations.push(message.text());
    });
    return { page, signed };
  };
  const signIn = async (page, wallet) => {
    await page.click('#sign-in');
    await page.waitForSelector('#signed-in-address:not([hidden])', { timeout: 15000 });
    const shown = await page.textContent('#signed-in-address');
    check(shown === wallet.address, `the signed-in address is shown (${shown})`);
  };

  // --- the uploader: sign in, upload, follow it to ready ---
  const { page, signed } = await walletPage(uploader);
  const response = await page.goto(`${base}/`);
  const headers = response.headers();
  check(response.status() === 200 && headers['content-type'].startsWith('text/html'), 'GET / serves the app');
  check(/default-src 'none'/.test(headers['content-security-policy'] || '') &&
        headers['x-content-type-options'] === 'nosniff', 'the page carries a strict CSP and nosniff');
  await page.waitForSelector('#library-status');
  await signIn(page, uploader);
  check(signed.length === 1 && signed[0].startsWith(`127.0.0.1:${new URL(base).port} wants you to sign in`) &&
        signed[0].includes(`\n${uploader.address}\n`) && signed[0].includes('\nChain ID: 1337\n'),
    'the wallet signed the server-issued SIWE message for this origin');

  await page.click('#nav-upload');
  await page.waitForSelector('#upload-form');
  const title = `Browser clip ${Date.now().toString(36)}`;
  await page.setInputFiles('#file', clip);
  await page.fill('#title', title);
  await page.fill('#description', 'Uploaded by the browser test through tus.');
  await page.fill('#tags', 'browser, test');
  await page.check('#gated');
  await page.fill('#chain', '1337');
  await page.selectOption('#standard', 'erc721');
  await page.fill('#contract', harness.chain.erc721);
  await page.fill('#token_id', '1');
  await page.click('#upload-start');
  const done = await page.waitForSelector('#upload-done', { timeout: 60000 });
  const id = await done.getAttribute('data-content-id');
  check(await page.$eval('#upload-progress', (bar) => bar.value) === 100, 'the progress bar reached 100 %');
  await harness.screenshot(page, 'upload');

  await page.click('#nav-library');
  await page.fill('#search', title.split(' ').pop());
  await page.press('#search', 'Enter');
  const card = `li.card[data-content-id="${id}"]`;
  await page.waitForSelector(card, { timeout: 15000 });
  const seenStates = new Set();
  await waitFor('the item to be ready in the library', 90000, async () => {
    const state = await page.getAttribute(card, 'data-state').catch(() => null);
    if (state && !seenStates.has(state) && state !== 'ready') {
      await harness.screenshot(page, `library-${state}`);  // e.g. "Transcoding 40 %"
    }
    if (state) seenStates.add(state);
    if (state === 'failed') throw new Error('transcoding failed');
    return state === 'ready';
  }, 250);
  console.log(`library states seen: ${[...seenStates].join(' -> ')}`);
  await page.waitForFunction((sel) => {
    const img = document.querySelector(`${sel} img.poster`);
    return img && img.complete && img.naturalWidth > 0;
  }, card, { timeout: 15000 });
  const cardText = await page.textContent(card);
  check(cardText.includes(title) && cardText.includes('Ready'), 'the card shows the title and Ready');
  check(/0:0[34]/.test(cardText), `the card shows the duration (${cardText})`);
  check(cardText.includes('Holders of ERC-721') && cardText.includes('#1 on chain 1337'), 'the card shows the gating rule');
  const posterWidth = await page.$eval(`${card} img.poster`, (img) => img.naturalWidth);
  check(posterWidth > 0, `the poster thumbnail loaded (${posterWidth} px wide)`);
  const poster = await harness.request('GET', `/api/v1/web/poster/${id}`);
  const jpeg = Buffer.from(await poster.arrayBuffer());
  check(poster.headers.get('content-type') === 'image/jpeg' && jpeg[0] === 0xff && jpeg[1] === 0xd8,
    'the poster route serves a JPEG');
  await harness.screenshot(page, 'library');

  const item = await harness.json('GET', `/api/v1/metadata?id=${id}`);
  check(item.owner.toLowerCase() === uploader.address.toLowerCase(), 'the signed-in wallet owns the upload');
  check(item.title === title && item.tags.join(',') === 'browser,test' &&
        item.description === 'Uploaded by the browser test through tus.', 'title, description and tags were saved');
  check(item.gating_rule && item.gating_rule.standard === 'erc721' && item.gating_rule.token_id === '1' &&
        item.gating_rule.contract === harness.chain.erc721, 'the gating rule was saved');


  // --- the NFT holder plays it ---
  const viewer = await walletPage(holder);
  await viewer.page.goto(`${base}/#/watch/${id}`);
  await viewer.page.waitForSelector('#denied[data-reason="sign-in"]', { timeout: 15000 });
  await signIn(viewer.page, holder);
  await viewer.page.waitForSelector('#video', { timeout: 15000 });
  await expectPlaying(viewer.page, '#video', 1.0);
  const options = await viewer.page.$$eval('#quality option', (all) => all.map((o) => o.textContent));
  check(options.length === 3 && options[0] === 'Auto' && /240p/.test(options[1]) && /144p/.test(options[2]),
    `the quality menu lists Auto and the ladder (${options.join(' | ')})`);
  const low = await viewer.page.$eval('#quality', (select) =>
    [...select.options].find((option) => option.textContent.startsWith('144p')).value);
  await viewer.page.selectOption('#quality', low);
  await viewer.page.waitForFunction((index) => window.streamgatePlayer.hls.currentLevel === index &&
    window.streamgatePlayer.hls.levels[index].height === 144, Number(low), { timeout: 10000 });
  const atSwitch = await viewer.page.$eval('#video', (video) => video.currentTime);
  await viewer.page.waitForFunction((t) => document.getElementById('video').currentTime > t + 0.25,
    atSwitch, { timeout: 15000 });
  check(true, 'playback continues after choosing the 144p rendition');
  const player = await viewer.page.evaluate(() => ({
    fatal: window.streamgatePlayer.fatal, errors: window.streamgatePlayer.errors,
  }));
  check(player.fatal === null, `no hls.js fatal error (${JSON.stringify(player.errors)})`);
  await harness.screenshot(viewer.page, 'watch');

  // --- a wallet without the NFT sees the denial ---
  const other = await walletPage(stranger);
  await other.page.goto(`${base}/#/watch/${id}`);
  await other.page.waitForSelector('#denied', { timeout: 15000 });
  await signIn(other.page, stranger);
  const denied = await other.page.waitForSelector('#denied[data-reason="not-holder"]', { timeout: 15000 });
  const deniedText = await denied.textContent();
  check(deniedText.includes('Access denied') && deniedText.includes('does not hold the NFT'),
    `the denial message is shown (${deniedText.trim()})`);
  check(await other.page.$('#video') === null, 'no player for a wallet without the NFT');
  await harness.screenshot(other.page, 'denied');

  // --- sign out ---
  await page.click('#sign-out');
  await page.waitForSelector('#sign-in:not([hidden])', { timeout: 5000 });
  check(await page.isHidden('#signed-in-address'), 'signing out hides the address');
  await page.click('#nav-upload');
  await page.waitForSelector('#upload-needs-sign-in', { timeout: 5000 });
  check(true, 'the upload page asks a signed-out visitor to sign in');

  // --- a Solana wallet signs in too (its button only shows when one is present) ---
  check(await page.isHidden('#sign-in-solana'), 'no Solana button without a Solana wallet');
  const solanaContext = await browser.newContext();
  const solanaAddress = await injectSolanaWallet(solanaContext, harness);
  const solanaPage = await solanaContext.newPage();
  solanaPage.on('pageerror', (error) => pageErrors.push(error.message));
  await solanaPage.goto(`${base}/`);
  await solanaPage.click('#sign-in-solana');
  await solanaPage.waitForSelector('#signed-in-address:not([hidden])', { timeout: 15000 });
  check(await solanaPage.textContent('#signed-in-address') === solanaAddress,
    `a Solana wallet signs in (${solanaAddress})`);
  await solanaPage.click('#sign-out');
  await solanaPage.waitForSelector('#sign-in-solana:not([hidden])', { timeout: 5000 });
  check(await solanaPage.evaluate(() => window.solana.publicKey === null), 'signing out disconnects the Solana wallet');

  // Static files: the vendored libraries are cacheable, traversal is refused.
  const vendor = await harness.request('GET', '/app/vendor/hls.min.mjs');
  check(vendor.status === 200 && /max-age=\d+/.test(vendor.headers.get('cache-control')) &&
        vendor.headers.get('content-type').startsWith('text/javascript'), 'vendor files are served with a max-age');
  for (const target of ['/app/%2e%2e/index.html', '/app/../index.html', '/app/js/..%2f..%2findex.html',
                        '/app/%2e%2e/%2e%2e/etc/passwd']) {
    const traversal = await harness.rawGet(target);
    check(traversal.status === 403 || traversal.status === 404, `${target} is refused (${traversal.status})`);
  }

  check(pageErrors.length === 0, `no uncaught page error (${pageErrors.join('; ')})`);
  check(cspViolations.length === 0, `no Content-Security-Policy violation (${cspViolations.join('; ')})`);
}

run(async (harness) => {
  const scenarios = { playback, webapp };
  const scenario = scenarios[harness.options.scenario];
  if (!scenario) throw new Error(`unknown scenario ${harness.options.scenario}`);
  await scenario(harness);
  await sleep(0);
});
