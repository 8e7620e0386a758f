export function deviceAuthorization({ username, password }) {
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
//# sourceMappingURL=device-http.js.map