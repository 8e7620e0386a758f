// The report form: fills latitude and longitude from the phone's position on request.
// The form itself is a plain multipart post and works without this script.
import { pageData } from './console.js';

const { strings } = pageData();
const button = document.getElementById('locate');
const status = document.getElementById('locate-status');

if (button && 'geolocation' in navigator) {
  button.hidden = false;
  button.addEventListener('click', () => {
    status.hidden = false;
    status.textContent = strings.locating;
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
        document.getElementById('lon').value = pos.coords.longitude.toFixed(6);
        status.hidden = true;
      },
      () => { status.textContent = strings.locationFailed; },
      { enableHighAccuracy: true, timeout: 15000 },
    );
  });
}
