// Notifications page: "Gửi lại ngay" queues a given-up message again through the API (audited there);
// the page then reloads from the server so it shows what is stored.
import { api, ApiFailure, describeFailure, fill, pageData, say } from './console.js';

const { strings } = pageData();
const status = document.getElementById('notifications-status');

for (const button of document.querySelectorAll('button.retry')) {
  button.addEventListener('click', async () => {
    const id = button.dataset.id;
    button.disabled = true;
    say(status, strings.saving, 'notice');
    try {
      await api('POST', `/api/v1/notifications/deliveries/${encodeURIComponent(id)}/retry`);
      say(status, fill(strings.retried, { id }));
      setTimeout(() => location.reload(), 800);
    } catch (err) {
      say(status, err instanceof ApiFailure && err.status === 409 ? strings.notFailed : describeFailure(err, strings), 'error');
      button.disabled = false;
    }
  });
}
