/**
 * RAGD_AUTH: whether requests must authenticate. `auto` (the default) turns authentication on as
 * soon as any credential is configured (service token, JWT, an active API key); `on` forces it
 * (useful before the first key exists); `off` disables it explicitly.
 */
export const AUTH_SETTINGS = ['auto', 'on', 'off'] as const;
export type AuthSetting = (typeof AUTH_SETTINGS)[number];

/** RAGD_AUTH's default. */
export const DEFAULT_AUTH_SETTING: AuthSetting = 'auto';

export function resolveAuthEnabled(setting: AuthSetting | undefined, credentialsConfigured: boolean): boolean {
  switch (setting ?? DEFAULT_AUTH_SETTING) {
    case 'on':
      return true;
    case 'off':
      return false;
    default:
      return credentialsConfigured;
  }
}
