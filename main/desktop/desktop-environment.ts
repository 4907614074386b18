/**
 * What the desktop app takes from outside its Settings tab. The headless server honours the settings'
 * environment variables and a `.env` in its working directory; a desktop app must not do so silently: it is
 * launched from a menu with whatever the session exports (OPENAI_API_KEY for another tool, DEBUG for node), and a
 * packaged app's working directory is arbitrary. So the desktop app
 *   - ignores the settings' variables in its environment (OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL,
 *     PROXY_HOST, PROXY_PORT, TIMEOUT, DEBUG);
 *   - reads `.env` only from its own folder (Electron's userData, e.g. ~/.config/InfiniProxy/.env), a file
 *     someone put there on purpose; the Settings tab marks each field it fixes;
 *   - keeps the process variables named for InfiniProxy or documented for it (INFINIPROXY_DATA_DIR,
 *     ADMIN_TOKEN, TRUSTED_PROXIES, the connection limits), which no other tool sets.
 */
import { ENV_VARS } from '../core/config';

const SETTINGS_VARIABLES: ReadonlySet<string> = new Set(Object.values(ENV_VARS));

/** The environment the desktop's runtime sees: `env` without the settings' variables. */
export function desktopEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  // Windows' variable names are case-insensitive.
  return Object.fromEntries(Object.entries(env).filter(([name]) => !SETTINGS_VARIABLES.has(name.toUpperCase())));
}
