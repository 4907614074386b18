/**
 * Which URLs the app's window may be at, which links may leave for the browser, which permissions the page
 * gets and which IPC senders are ours. Pure, so security.ts and ipc.ts stay thin and this is tested alone.
 */

/** Whether `url` is the app's own page (`appUrl`, a `file:` URL), whatever its hash or query. */
export function isAppUrl(url: string, appUrl: string): boolean {
  const a = parse(url);
  const b = parse(appUrl);
  return !!a && !!b && a.protocol === b.protocol && a.host === b.host && a.pathname === b.pathname;
}

/** Links that may open in the user's browser: https only (no file:, http:, custom schemes). */
export function isExternalLink(url: string): boolean {
  return parse(url)?.protocol === 'https:';
}

/** The only permission the page gets: writing to the clipboard (copy a new key), and only on the app's page. */
export function isAllowedPermission(permission: string, requestingUrl: string, appUrl: string): boolean {
  return permission === 'clipboard-sanitized-write' && isAppUrl(requestingUrl, appUrl);
}

/** What ipc.ts knows about an IPC call's sender. */
export interface SenderInfo {
  /** `event.sender.id` */
  webContentsId: number;
  /** `event.senderFrame?.url`; undefined when the frame is gone. */
  frameUrl: string | undefined;
  /** Whether the sending frame is the top frame (not an iframe). */
  isMainFrame: boolean;
}

/** An IPC sender is trusted when it is the top frame of one of our windows showing the app's page. */
export function isTrustedSender(sender: SenderInfo, ownWebContentsIds: readonly number[], appUrl: string): boolean {
  return (
    ownWebContentsIds.includes(sender.webContentsId) &&
    sender.isMainFrame &&
    sender.frameUrl !== undefined &&
    isAppUrl(sender.frameUrl, appUrl)
  );
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}
