/**
 * Locks down every web contents the app creates: no navigation away from the app's page, no new windows
 * (https links open in the browser instead), no webviews, and no permissions but clipboard writes on our page.
 * The decisions are navigation-policy.ts's; this file only wires them to Electron's events.
 */
import { app, shell, type WebContents } from 'electron';
import { isAllowedPermission, isAppUrl, isExternalLink } from './navigation-policy';

/** Installs the restrictions for the app whose page is `appUrl` (the renderer's `file:` URL). */
export function setupSecurity(appUrl: string): void {
  app.on('web-contents-created', (_event, contents) => restrict(contents, appUrl));
}

function restrict(contents: WebContents, appUrl: string): void {
  const stayInApp = (event: { preventDefault(): void }, url: string): void => {
    if (!isAppUrl(url, appUrl)) event.preventDefault();
  };
  contents.on('will-navigate', stayInApp);
  contents.on('will-redirect', stayInApp);
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isExternalLink(url)) {
      shell.openExternal(url).catch((error: unknown) => console.error('Could not open', url, error));
    }
    return { action: 'deny' };
  });

  const { session } = contents;
  session.setPermissionRequestHandler((wc, permission, callback) => {
    callback(isAllowedPermission(permission, wc.getURL(), appUrl));
  });
  session.setPermissionCheckHandler((wc, permission) => isAllowedPermission(permission, wc?.getURL() ?? '', appUrl));
}
