// Watch page: the item's public facts (/api/v1/stream/info), then the gate
// (/api/v1/stream/hls with the session, Accept: application/json) which answers with a master
// playlist URL carrying a playback token, played with hls.js. Every URI in the playlists the
// server renders carries the same token, so hls.js needs no extra configuration. A wallet
// without the NFT gets a clear message instead of a player; the quality menu lists the ladder
// (the variants of the master playlist) plus Auto.
import Hls from '../vendor/hls.min.mjs';
import { api, ApiError, currentSession } from './api.js';
import { describeRule, formatDuration, h, replaceChildren, shortAddress } from './dom.js';

// Exposed for diagnostics (and the browser tests): the player and every error it reported.
window.streamgatePlayer = { hls: null, errors: [], fatal: null };

function denial(error, info, session) {
  const rule = info && info.gate ? info.gate : 'the NFT this video requires';
  if (error.status === 401) {
    return h('div', { id: 'denied', class: 'denied', dataset: { reason: 'sign-in' } },
      h('h2', {}, 'Sign in to watch'),
      h('p', {}, `This video is token-gated (${rule}). Sign in with a wallet that holds it.`));
  }
  if (error.status === 403) {
    return h('div', { id: 'denied', class: 'denied', dataset: { reason: 'not-holder' } },
      h('h2', {}, 'Access denied'),
      h('p', {}, `Your wallet ${shortAddress(session && session.address)} does not hold the NFT this video requires.`),
      h('p', { class: 'muted' }, `Required: ${rule}.`));
  }
  if (error.status === 503) {
    return h('div', { id: 'denied', class: 'denied', dataset: { reason: 'unavailable' } },
      h('h2', {}, 'Ownership cannot be checked right now'),
      h('p', {}, 'The blockchain node did not answer, so access is denied for now. Try again in a moment.'));
  }
  if (error.status === 412 || error.code === 'FAILED_PRECONDITION') {
    return h('div', { id: 'not-ready', class: 'notice-inline' }, error.message);
  }
  return h('div', { id: 'player-error', class: 'denied' }, `Cannot start playback: ${error.message}`);
}

function levelLabel(level, renditions) {
  const byHeight = (renditions || []).find((r) => r.height === level.height);
  const name = byHeight && byHeight.name ? byHeight.name : `${level.height}p`;
  return `${name} · ${Math.round((level.bitrate || 0) / 1000)} kb/s`;
}

export function renderWatch(view, contentId) {
  let hls = null;
  let closed = false;
  window.streamgatePlayer = { hls: null, errors: [], fatal: null };
  const title = h('h1', { id: 'watch-title' }, 'Loading…');
  const facts = h('p', { id: 'watch-facts', class: 'muted' });
  const stage = h('div', { id: 'stage', class: 'stage' });
  const quality = h('select', { id: 'quality', 'aria-label': 'Quality', disabled: true },
    h('option', { value: '-1' }, 'Auto'));
  const controls = h('div', { class: 'player-controls', hidden: true }, h('label', {}, 'Quality ', quality));
  replaceChildren(view, h('section', { class: 'watch' }, title, facts, stage, controls));

  async function start() {
    let info;
    try {
      info = await api(`/api/v1/stream/info?content_id=${encodeURIComponent(contentId)}`, { auth: false });
    } catch (error) {
      title.textContent = 'Not found';
      replaceChildren(stage, h('p', { id: 'player-error', class: 'denied' }, error.message));
      return;
    }
    if (closed) return;
    title.textContent = info.title || '(untitled)';
    facts.textContent = `${formatDuration(info.duration_s)} · ${info.gated ? `Token-gated: ${info.gate}` : 'Public'}`;
    if (info.state !== 'ready') {
      replaceChildren(stage, h('p', { id: 'not-ready', class: 'notice-inline' },
        `This video is not ready yet (${info.state}). The library shows its progress.`));
      return;
    }
    const session = currentSession();
    let grant;
    try {
      grant = await api(`/api/v1/stream/hls?content_id=${encodeURIComponent(contentId)}`);
    } catch (error) {
      if (closed) return;
      replaceChildren(stage, denial(error instanceof ApiError ? error : new ApiError(0, 'ERROR', error.message), info, session));
      return;
    }
    if (closed) return;
    const video = h('video', { id: 'video', controls: true, playsinline: true, preload: 'auto' });
    video.muted = true;  // browsers only autoplay muted video; the viewer can unmute
    replaceChildren(stage, video);
    video.addEventListener('error', () => {
      const failure = video.error ? `media error ${video.error.code}: ${video.error.message}` : 'media error';
      window.streamgatePlayer.fatal = window.streamgatePlayer.fatal || failure;
    });

    if (Hls.isSupported()) {
      // No worker: the CSP allows no blob: scripts, and CMAF segments need no transmuxing.
      hls = new Hls({ enableWorker: false });
      window.streamgatePlayer.hls = hls;
      hls.on(Hls.Events.ERROR, (_event, data) => {
        window.streamgatePlayer.errors.push({ type: data.type, details: data.details, fatal: data.fatal });
        if (!data.fatal) return;
        window.streamgatePlayer.fatal = `${data.type}: ${data.details}`;
        const status = data.response && data.response.code;
        const message = status === 401 || status === 403
          ? 'The playback token was refused (expired or revoked). Reload the page to get a new one.'
          : `Playback failed (${data.details}).`;
        replaceChildren(stage, h('p', { id: 'player-error', class: 'denied' }, message));
        hls.destroy();
      });
      hls.on(Hls.Events.MANIFEST_PARSED, () => {
        // hls.js orders levels by bitrate, lowest first; the menu shows the best first.
        const levels = hls.levels.map((level, index) => ({ level, index }))
          .sort((a, b) => (b.level.height - a.level.height) || (b.level.bitrate - a.level.bitrate));
        replaceChildren(quality, h('option', { value: '-1' }, 'Auto'),
          levels.map(({ level, index }) => h('option', { value: String(index) }, levelLabel(level, info.renditions))));
        quality.disabled = hls.levels.length < 1;
        controls.hidden = false;
        video.play().catch(() => { /* autoplay refused: the controls are there */ });
      });
      quality.addEventListener('change', () => {
        // currentLevel switches now (flushing the buffer); -1 returns to automatic selection.
        hls.currentLevel = Number.parseInt(quality.value, 10);
      });
      hls.loadSource(grant.url);
      hls.attachMedia(video);
    } else if (video.canPlayType('application/vnd.apple.mpegurl')) {
      video.src = grant.url;  // Safari plays HLS natively; it picks the quality itself
      video.play().catch(() => {});
    } else {
      replaceChildren(stage, h('p', { id: 'player-error', class: 'denied' },
        'This browser supports neither Media Source Extensions nor native HLS.'));
    }
  }
  start();
  return () => {
    closed = true;
    if (hls) hls.destroy();
  };
}
