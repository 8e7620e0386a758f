/** The box's own credentials for HTTP calls to the cloud (username = edge id); read at each call, as they may be rotated. */
export interface DeviceCredentials {
    username: string;
    password: string;
}
export declare function deviceAuthorization({ username, password }: DeviceCredentials): string;
//# sourceMappingURL=device-http.d.ts.map