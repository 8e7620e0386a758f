// Loudspeaker zones: each zone's volume and mute saved through the API; the page is drawn again to show the box's answer.
import { api, ApiFailure, describeFailure, fill, pageData, say } from './console.js';

const { strings: s } = pageData();
const status = document.getElementById('speakers-status');

for (const form of document.querySelectorAll('form.zone-form')) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = form.querySelector('button');
    button.disabled = true;
    const volume = Number(form.elements.volume.value);
    const muted = form.elements.muted.checked;
    try {
      const zone = await api('PUT', `/api/v1/edges/${encodeURIComponent(form.dataset.edge)}/speakers/${encodeURIComponent(form.dataset.zone)}`, { volume, muted });
      say(status, fill(s.savedZone, { zone: zone.zone, volume: zone.volume, mute: zone.muted ? s.savedMuted : '' }));
    } catch (err) {
      // the server names what is wrong (e.g. "volume must be 0–100"): say it, not only that it failed
      const details = err instanceof ApiFailure && Array.isArray(err.details) ? err.details.map((d) => d.message).join('; ') : '';
      say(status, details ? `${describeFailure(err, s)} (${details})` : describeFailure(err, s), 'error');
    } finally {
      button.disabled = false;
    }
  });
}
