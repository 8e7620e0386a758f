// One box's version compatibility: its contract against the cloud's, what the cloud did not send it and what it ignored.
import { api, el, fill, pageData, say } from './console.js';
import { failureText } from './fleet-format.js';

const { strings: s, edgeId } = pageData();

const revision = (contract) => fill(s.contractRevision, { version: contract.version });
const docName = (doc) => s[`doc_${doc}`] ?? doc;
const effect = (name) => s[`effect_${name}`] ?? name;

function rows(documents) {
  return documents.flatMap(({ doc, withheld, reported }) => [
    ...withheld.map((part) =>
      el('tr', { className: 'withheld' },
        el('td', {}, docName(doc)),
        el('td', {}, s.withheldByCloud),
        el('td', {}, part.label ?? (part.left || s.withheldWhole)),
        el('td', {}, [
          part.since === null ? fill(s.withheldReasonUnknown, { feature: part.feature }) : fill(s.withheldReason, { feature: part.feature, since: part.since }),
          part.sentAs === null ? '' : `: ${fill(s.withheldSentAs, { value: part.sentAs })}`,
        ].join('')))),
    ...(reported?.ignored ?? []).map((part) =>
      el('tr', { className: 'ignored' },
        el('td', {}, docName(doc)),
        el('td', {}, s.ignoredByBox),
        el('td', {}, part.effect === 'more' ? fill(s.ignoredMore, { count: part.count }) : part.label ?? part.left),
        el('td', {}, part.effect === 'more' ? '' : `${fill(s.ignoredReason, { path: part.path, value: part.value })}: ${effect(part.effect)}${part.count ? ` (×${part.count})` : ''}`))),
  ]);
}

async function show() {
  const status = document.getElementById('compat-status');
  try {
    const view = await api('GET', `/api/v1/edges/${edgeId}/compatibility`);
    const cell = (key) => document.querySelector(`[data-compat="${key}"]`);
    cell('box').textContent = view.box.announcedAt === null ? s.contractNotYet : revision(view.box);
    cell('cloud').textContent = `${revision(view.cloud)} (sc-cloud ${view.cloud.softwareVersion})`;
    cell('missing').textContent = view.missing.length ? view.missing.map((m) => m.feature).join(', ') : s.contractNothingMissing;
    const found = rows(view.documents);
    document.querySelector('#compat-parts tbody').replaceChildren(...(found.length ? found : [el('tr', {}, el('td', { colSpan: 4, className: 'hint' }, s.compatNone))]));
    document.getElementById('compat-parts').dataset.loaded = 'true';
  } catch (err) {
    say(status, failureText(err, s), 'error');
  }
}

show();
