// The app shell: hash routes (#/, #/upload, #/watch/<content_id>) so that the server needs to
// serve one page only, and the account bar (sign in with Ethereum or Solana, sign out).
import { currentSession, onSessionChange } from './api.js';
import { shortAddress } from './dom.js';
import { renderLibrary } from './library.js';
import { renderUpload } from './upload.js';
import { ethereumProvider, signInWithEthereum, signInWithSolana, signOut, solanaProvider } from './wallet.js';
import { renderWatch } from './watch.js';

const view = document.getElementById('view');
const notice = document.getElementById('notice');
const addressLabel = document.getElementById('signed-in-address');
const signInButton = document.getElementById('sign-in');
const solanaButton = document.getElementById('sign-in-solana');
const signOutButton = document.getElementById('sign-out');
let leave = () => {};

function say(text, kind = 'info') {
  notice.textContent = text;
  notice.dataset.kind = kind;
  notice.hidden = !text;
}

function showAccount(session) {
  const signedIn = Boolean(session);
  addressLabel.hidden = !signedIn;
  addressLabel.textContent = signedIn ? session.address : '';
  addressLabel.title = signedIn ? `Signed in as ${session.address} (${session.scheme})` : '';
  signOutButton.hidden = !signedIn;
  signInButton.hidden = signedIn;
  // Offered only when a Solana wallet is present (it may inject itself after load).
  solanaButton.hidden = signedIn || !solanaProvider();
  document.body.dataset.signedIn = signedIn ? 'true' : 'false';
}

async function withButton(button, action) {
  button.disabled = true;
  say('');
  try {
    await action();
  } catch (error) {
    say(error.message, 'error');
  } finally {
    button.disabled = false;
  }
}

signInButton.addEventListener('click', () => withButton(signInButton, async () => {
  if (!ethereumProvider()) throw new Error('No Ethereum wallet found. Install a browser wallet (e.g. MetaMask) and reload.');
  const address = await signInWithEthereum();
  say(`Signed in as ${shortAddress(address)}.`);
}));
solanaButton.addEventListener('click', () => withButton(solanaButton, async () => {
  const address = await signInWithSolana();
  say(`Signed in as ${shortAddress(address)}.`);
}));
signOutButton.addEventListener('click', () => withButton(signOutButton, async () => {
  await signOut();
  say('Signed out.');
}));

function route() {
  leave();
  const hash = window.location.hash.replace(/^#/, '') || '/';
  const watch = hash.match(/^\/watch\/([A-Za-z0-9_-]{1,128})$/);
  for (const link of document.querySelectorAll('nav a')) link.removeAttribute('aria-current');
  if (watch) {
    leave = renderWatch(view, watch[1]);
  } else if (hash === '/upload') {
    document.getElementById('nav-upload').setAttribute('aria-current', 'page');
    leave = renderUpload(view);
  } else {
    document.getElementById('nav-library').setAttribute('aria-current', 'page');
    const search = hash.match(/^\/search\/(.*)$/);
    leave = renderLibrary(view, { query: search ? decodeURIComponent(search[1]) : '' });
  }
}

onSessionChange((session) => {
  showAccount(session);
  route();  // pages depend on who is signed in (upload form, gated playback)
});
window.addEventListener('hashchange', route);
window.addEventListener('load', () => showAccount(currentSession()));
showAccount(currentSession());
route();
