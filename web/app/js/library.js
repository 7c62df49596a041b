// Library page: the catalogue (GET /api/v1/metadata, or /api/v1/metadata/search?q= for a
// search), each item with its poster, state, transcode progress, duration and gating rule.
// Refreshes itself while anything is still uploading or transcoding.
import { api, ApiError } from './api.js';
import { describeRule, formatDuration, h, replaceChildren } from './dom.js';

const STATE_LABELS = {
  uploading: 'Uploading',
  uploaded: 'Queued for transcoding',
  processing: 'Transcoding',
  ready: 'Ready',
  failed: 'Failed',
};
const REFRESH_MS = 1500;

// content_id -> its newest transcode job ({state, progress 0-100, error}).
async function transcodeProgress() {
  try {
    const { jobs } = await api('/api/v1/transcode/list', { auth: false });
    const newest = new Map();
    for (const job of jobs || []) {
      const seen = newest.get(job.content_id);
      if (!seen || job.created_unix_ms >= seen.created_unix_ms) newest.set(job.content_id, job);
    }
    return newest;
  } catch {
    return new Map();  // progress is a nicety; the state alone still shows
  }
}

function card(item, job) {
  const state = item.state in STATE_LABELS ? item.state : 'unknown';
  let status = STATE_LABELS[state] || item.state;
  let progress = null;
  if (state === 'processing' || (state === 'uploaded' && job && job.state === 'running')) {
    const percent = job ? Math.max(0, Math.min(100, Math.round(job.progress || 0))) : 0;
    status = `Transcoding ${percent}%`;
    progress = h('progress', { class: 'progress', max: 100, value: percent });
  } else if (state === 'failed' && job && job.error) {
    status = `Failed: ${job.error}`;
  }
  const poster = state === 'ready' && item.poster
    ? h('img', {
      class: 'poster', alt: `Poster of ${item.title || item.id}`, loading: 'lazy',
      src: `/api/v1/web/poster/${encodeURIComponent(item.id)}`,
    })
    : h('div', { class: 'poster placeholder' }, state === 'failed' ? '✕' : '…');
  const title = item.title || '(untitled)';
  return h('li', { class: 'card', dataset: { contentId: item.id, state } },
    h('a', { class: 'card-link', href: `#/watch/${encodeURIComponent(item.id)}` },
      poster,
      h('div', { class: 'card-body' },
        h('h3', { class: 'card-title' }, title),
        h('p', { class: `state state-${state}` }, status),
        progress,
        h('p', { class: 'meta' },
          h('span', { class: 'duration' }, formatDuration(item.duration_s)),
          ' · ',
          h('span', { class: 'gate' }, describeRule(item.gating_rule))),
        item.tags && item.tags.length ? h('p', { class: 'tags' }, item.tags.join(', ')) : null)));
}

export function renderLibrary(view, { query = '' } = {}) {
  let timer = null;
  let closed = false;
  const input = h('input', {
    id: 'search', type: 'search', placeholder: 'Search titles, descriptions, tags', value: query,
    'aria-label': 'Search the catalogue',
  });
  const list = h('ul', { id: 'library', class: 'cards' });
  const status = h('p', { id: 'library-status', class: 'muted' }, 'Loading…');
  const form = h('form', { class: 'search', role: 'search' }, input,
    h('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });
  replaceChildren(view, h('section', { class: 'library' }, h('h1', {}, 'Library'), form, status, list));

  async function refresh() {
    clearTimeout(timer);
    const text = input.value.trim();
    try {
      const page = text
        ? await api(`/api/v1/metadata/search?limit=50&q=${encodeURIComponent(text)}`)
        : await api('/api/v1/metadata?limit=50');
      const items = page.items || [];
      const busy = items.some((item) => item.state !== 'ready' && item.state !== 'failed');
      const jobs = busy || items.some((item) => item.state === 'failed')
        ? await transcodeProgress() : new Map();
      if (closed) return;
      replaceChildren(list, items.map((item) => card(item, jobs.get(item.id))));
      status.textContent = items.length === 0
        ? (text ? `Nothing matches “${text}”.` : 'The catalogue is empty. Upload a video to start.')
        : `${items.length} item${items.length === 1 ? '' : 's'}`;
      if (busy) timer = setTimeout(refresh, REFRESH_MS);
    } catch (error) {
      if (closed) return;
      status.textContent = error instanceof ApiError && error.code === 'INVALID_ARGUMENT'
        ? `Search: ${error.message}` : `Cannot load the catalogue: ${error.message}`;
      timer = setTimeout(refresh, REFRESH_MS * 4);
    }
  }
  refresh();
  return () => {
    closed = true;
    clearTimeout(timer);
  };
}
