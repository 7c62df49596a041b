// Upload page: a resumable tus 1.0 upload (tus-js-client, /api/v1/tus/) with a progress bar,
// then the item's title, description, tags and gating rule through PUT /api/v1/metadata/update.
//
// The upload is sent with the session's bearer token, so the server records the signed-in
// wallet as the owner; only the owner may set the rule afterwards. tus-js-client remembers
// unfinished uploads by file fingerprint (localStorage), so choosing the same file again after
// a reload or a dropped connection resumes where the server says it stopped.
import { api, ApiError, authHeaders, currentSession, sleep } from './api.js';
import { h, replaceChildren } from './dom.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

function field(label, control, hint) {
  return h('label', { class: 'field' }, h('span', { class: 'label' }, label), control,
    hint ? h('small', { class: 'muted' }, hint) : null);
}

// The rule object the metadata API takes (validated again by the server).
function ruleFromForm(form) {
  if (!form.elements.gated.checked) return null;
  const rule = {
    chain: form.elements.chain.value.trim(),
    standard: form.elements.standard.value,
    contract: form.elements.contract.value.trim(),
  };
  const tokenId = form.elements.token_id.value.trim();
  if (tokenId) rule.token_id = tokenId;
  const minBalance = Number.parseInt(form.elements.min_balance.value, 10);
  if (minBalance > 1) rule.min_balance = minBalance;
  return rule;
}

function tagsFromText(text) {
  return [...new Set(text.split(',').map((tag) => tag.trim()).filter(Boolean))];
}

// upload.completed creates the catalogue item asynchronously: retry briefly on 404.
async function updateMetadata(body) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await api('/api/v1/metadata/update', { method: 'PUT', body });
    } catch (error) {
      if (!(error instanceof ApiError) || error.status !== 404 || attempt >= 40) throw error;
      await sleep(250);
    }
  }
}

export function renderUpload(view) {
  let upload = null;
  const session = currentSession();
  if (!session) {
    replaceChildren(view, h('section', { class: 'upload' }, h('h1', {}, 'Upload'),
      h('p', { id: 'upload-needs-sign-in', class: 'notice-inline' },
        'Sign in with your wallet to upload: the wallet becomes the owner of the video and the only one who can change its gating rule.')));
    return () => {};
  }

  const chainDefault = /^[0-9]+$/.test(session.chain || '') ? session.chain : '1';
  const form = h('form', { id: 'upload-form', class: 'upload-form' },
    field('Video file', h('input', { id: 'file', name: 'file', type: 'file', accept: 'video/*', required: true })),
    field('Title', h('input', { id: 'title', name: 'title', type: 'text', maxlength: 200 })),
    field('Description', h('textarea', { id: 'description', name: 'description', rows: 3 })),
    field('Tags', h('input', { id: 'tags', name: 'tags', type: 'text', placeholder: 'music, live' }),
      'Comma-separated.'),
    h('fieldset', { class: 'gating' },
      h('legend', {}, 'Access'),
      h('label', { class: 'check' },
        h('input', { id: 'gated', name: 'gated', type: 'checkbox' }),
        ' Only holders of an NFT may watch'),
      h('div', { id: 'gating-fields', class: 'gating-fields', hidden: true },
        field('Chain id', h('input', { id: 'chain', name: 'chain', type: 'text', value: chainDefault, inputmode: 'numeric' })),
        field('Standard', h('select', { id: 'standard', name: 'standard' },
          h('option', { value: 'erc721' }, 'ERC-721'),
          h('option', { value: 'erc1155' }, 'ERC-1155'))),
        field('Contract', h('input', { id: 'contract', name: 'contract', type: 'text', placeholder: '0x…', spellcheck: 'false' })),
        field('Token id', h('input', { id: 'token_id', name: 'token_id', type: 'text', inputmode: 'numeric' }),
          'Empty: any token of the contract.'),
        field('Minimum balance', h('input', { id: 'min_balance', name: 'min_balance', type: 'number', min: '1', value: '1' })))),
    h('div', { class: 'actions' },
      h('button', { id: 'upload-start', type: 'submit' }, 'Upload'),
      h('button', { id: 'upload-pause', type: 'button', hidden: true }, 'Pause'),
      h('button', { id: 'upload-resume', type: 'button', hidden: true }, 'Resume')));
  const bar = h('progress', { id: 'upload-progress', class: 'progress', max: 100, value: 0 });
  const percent = h('span', { id: 'upload-percent' }, '');
  const status = h('p', { id: 'upload-status', class: 'muted', role: 'status' }, '');
  const progress = h('div', { class: 'upload-progress', hidden: true }, bar, ' ', percent);

  const gatingFields = form.querySelector('#gating-fields');
  form.elements.gated.addEventListener('change', () => {
    gatingFields.hidden = !form.elements.gated.checked;
    form.elements.contract.required = form.elements.gated.checked;
  });
  const pause = form.querySelector('#upload-pause');
  const resume = form.querySelector('#upload-resume');
  const start = form.querySelector('#upload-start');
  pause.addEventListener('click', () => {
    if (!upload) return;
    upload.abort();
    pause.hidden = true;
    resume.hidden = false;
    status.textContent = 'Paused. Resume continues from the last byte the server stored.';
  });
  resume.addEventListener('click', () => {
    if (!upload) return;
    resume.hidden = true;
    pause.hidden = false;
    status.textContent = 'Uploading…';
    upload.start();
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = form.elements.file.files[0];
    if (!file) return;
    if (!window.tus || !window.tus.isSupported) {
      status.textContent = 'The upload library is missing (app/vendor/tus.min.js); run make web and rebuild.';
      return;
    }
    let rule;
    try {
      rule = ruleFromForm(form);
    } catch (error) {
      status.textContent = error.message;
      return;
    }
    const details = {
      title: form.elements.title.value.trim() || file.name.replace(/\.[^.]*$/, ''),
      description: form.elements.description.value.trim(),
      tags: tagsFromText(form.elements.tags.value),
      gating_rule: rule,
    };
    start.disabled = true;
    progress.hidden = false;
    status.textContent = 'Uploading…';
    pause.hidden = false;

    upload = new window.tus.Upload(file, {
      endpoint: '/api/v1/tus/',
      chunkSize: CHUNK_BYTES,
      retryDelays: [0, 1000, 3000, 5000],
      // Re-read on every request: the session may be renewed during a long upload.
      onBeforeRequest: (request) => {
        const headers = authHeaders();
        for (const [name, value] of Object.entries(headers)) request.setHeader(name, value);
      },
      metadata: { filename: file.name, filetype: file.type || 'application/octet-stream' },
      removeFingerprintOnSuccess: true,
      onProgress: (sent, total) => {
        const value = total > 0 ? Math.floor((sent / total) * 100) : 0;
        bar.value = value;
        percent.textContent = `${value}%`;
      },
      onError: (error) => {
        const response = error.originalResponse;
        const body = response ? response.getBody() : '';
        let message = error.message;
        try {
          message = JSON.parse(body).error.message || message;
        } catch { /* not JSON: keep tus-js-client's text */ }
        status.textContent = `Upload failed: ${message}`;
        start.disabled = false;
        pause.hidden = true;
        resume.hidden = false;
      },
      onSuccess: async () => {
        pause.hidden = true;
        resume.hidden = true;
        bar.value = 100;
        percent.textContent = '100%';
        const contentId = decodeURIComponent(upload.url.split('/').pop());
        status.textContent = 'Uploaded. Saving details…';
        try {
          await updateMetadata({ id: contentId, ...details });
          replaceChildren(status, 'Uploaded and saved; transcoding has started. ',
            h('a', { id: 'upload-done', href: `#/watch/${encodeURIComponent(contentId)}`, dataset: { contentId } }, 'Open it'),
            ' or follow its progress in the ', h('a', { href: '#/' }, 'library'), '.');
        } catch (error) {
          status.textContent = `Uploaded, but the details were not saved: ${error.message}`;
        }
        start.disabled = false;
      },
    });
    try {
      const previous = await upload.findPreviousUploads();
      if (previous.length > 0) {
        upload.resumeFromPreviousUpload(previous[0]);
        status.textContent = 'Resuming an earlier upload of this file…';
      }
    } catch { /* no storage: start afresh */ }
    upload.start();
  });

  replaceChildren(view, h('section', { class: 'upload' }, h('h1', {}, 'Upload'), form, progress, status));
  return () => {
    // Leaving the page pauses (the server keeps what it has; coming back resumes).
    if (upload) upload.abort();
  };
}
