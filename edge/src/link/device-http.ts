/** The box's own credentials for HTTP calls to the cloud (username = edge id); read at each call, as they may be rotated. */
export interface DeviceCredentials {
  username: string;
  password: string;
}

export function deviceAuthorization({ username, password }: DeviceCredentials): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}
