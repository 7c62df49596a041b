// A tiny element builder. Text always goes in as text nodes (never as HTML), so catalogue
// fields written by other users cannot inject markup.

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (name === 'dataset') {
      Object.assign(element.dataset, value);
    } else if (name in element && typeof value !== 'string') {
      element[name] = value;  // properties such as value, checked, max
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replaceChildren(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

// "0x1234…abcd" for addresses in tight places.
export function shortAddress(address) {
  if (typeof address !== 'string' || address.length <= 14) return address || '';
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

export function formatDuration(seconds) {
  if (!(seconds > 0)) return '–';
  const total = Math.round(seconds);
  const minutes = Math.floor(total / 60);
  const rest = String(total % 60).padStart(2, '0');
  return `${minutes}:${rest}`;
}

// A readable line for a stored gating rule (the metadata API's `gating_rule` object).
export function describeRule(rule) {
  if (!rule) return 'Public';
  if (rule.standard === 'any-of' && Array.isArray(rule.any_of)) {
    return `Any of: ${rule.any_of.map(describeRule).join('; ')}`;
  }
  const names = { erc721: 'ERC-721', erc1155: 'ERC-1155', 'metaplex-collection': 'Metaplex' };
  const what = names[rule.standard] || rule.standard || 'token';
  const where = rule.collection || rule.contract || '';
  let text = `${what} ${shortAddress(where)}`;
  if (rule.token_id !== undefined && rule.token_id !== null && rule.token_id !== '') {
    text += ` #${rule.token_id}`;
  }
  if (rule.min_balance > 1) text += ` ×${rule.min_balance}`;
  if (rule.chain) text += ` on chain ${rule.chain}`;
  return `Holders of ${text}`;
}
