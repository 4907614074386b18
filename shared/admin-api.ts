/**
 * The one admin contract. The core implements it (main/core/admin-service.ts); the admin HTTP routes,
 * the Electron IPC handlers and the CLI expose it; the renderer talks to it over HTTP (web admin) or IPC
 * (desktop). Channel names are derived from the method names: `admin:<method>`.
 */
import type {
  ApiKeyInfo,
  CreatedKey,
  DoctorReport,
  KeyLimits,
  RequestLogEntry,
  RequestLogQuery,
  ServerStatus,
  SettingsPatch,
  SettingsView,
  UsageQuery,
  UsageReport,
  User,
} from './types';
import { isRecord } from './json';

export interface CreateUserInput {
  username: string;
  email?: string | null;
}

export interface CreateKeyInput {
  user_id: number;
  name?: string;
  limits?: Partial<KeyLimits>;
}

export interface KeyListFilter {
  user_id?: number;
}

/** What testConnection probes: the default backend, or the provider named. */
export interface ConnectionTarget {
  provider?: string;
}

export interface AdminApi {
  status(): Promise<ServerStatus>;
  listUsers(): Promise<User[]>;
  createUser(input: CreateUserInput): Promise<User>;
  /** Deletes the user and revokes their keys. `ref` is an id when it is digits only, else a username (user-ref.ts). */
  deleteUser(ref: string): Promise<void>;
  listKeys(filter?: KeyListFilter): Promise<ApiKeyInfo[]>;
  createKey(input: CreateKeyInput): Promise<CreatedKey>;
  revokeKey(id: number): Promise<ApiKeyInfo>;
  setKeyLimits(id: number, limits: Partial<KeyLimits>): Promise<ApiKeyInfo>;
  usage(query: UsageQuery): Promise<UsageReport>;
  requests(query: RequestLogQuery): Promise<RequestLogEntry[]>;
  getSettings(): Promise<SettingsView>;
  updateSettings(patch: SettingsPatch): Promise<SettingsView>;
  /** Probes the configured backend (the same report as `cli doctor`), or the provider named (nothing suggested). */
  testConnection(target?: ConnectionTarget): Promise<DoctorReport>;
}

export type AdminMethod = keyof AdminApi;

/** The IPC channel of an admin method. */
export const adminChannel = <M extends AdminMethod>(method: M): `admin:${M}` => `admin:${method}`;

/** Errors crossing a transport keep a stable shape; the client rethrows them as AdminError. */
export interface AdminErrorBody {
  status: number;
  code: string;
  message: string;
}

/** True for a value with an error body's three fields (an IPC outcome's error, a parsed HTTP error). */
export function isAdminErrorBody(value: unknown): value is AdminErrorBody {
  if (!isRecord(value)) return false;
  return typeof value.status === 'number' && typeof value.code === 'string' && typeof value.message === 'string';
}

export class AdminError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(body: AdminErrorBody) {
    super(body.message);
    this.name = 'AdminError';
    this.status = body.status;
    this.code = body.code;
  }
}

/** What an IPC handler returns: a result or an error, never a thrown exception across the bridge. */
export type IpcOutcome<T> = { result: T } | { error: AdminErrorBody };

type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * The admin HTTP surface, one route per AdminApi method (all under `Authorization: Bearer <admin token>`).
 * Path parameters are `:name`; GET arguments travel as query parameters, others as a JSON body.
 * Errors: the status with `{"error": {"code", "message"}}`.
 * Seed-compatible extras outside this table: `GET /usage/api-key/:id`, query-parameter forms of the POSTs.
 */
export const adminRoutes = {
  status: { method: 'GET', path: '/admin/status' },
  listUsers: { method: 'GET', path: '/admin/users' },
  createUser: { method: 'POST', path: '/admin/users' },
  deleteUser: { method: 'DELETE', path: '/admin/users/:ref' },
  listKeys: { method: 'GET', path: '/admin/api-keys' },
  createKey: { method: 'POST', path: '/admin/api-keys' },
  revokeKey: { method: 'DELETE', path: '/admin/api-keys/:id' },
  setKeyLimits: { method: 'PATCH', path: '/admin/api-keys/:id' },
  usage: { method: 'GET', path: '/admin/usage' },
  requests: { method: 'GET', path: '/admin/requests' },
  getSettings: { method: 'GET', path: '/admin/settings' },
  updateSettings: { method: 'PUT', path: '/admin/settings' },
  testConnection: { method: 'POST', path: '/admin/test-connection' },
} as const satisfies Record<AdminMethod, { method: HttpMethod; path: string }>;
