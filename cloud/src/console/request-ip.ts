/** The client's address for audit entries and throttling (one implementation, in the audit domain). */
export { requestIp } from '../audit/request-ip.js';
