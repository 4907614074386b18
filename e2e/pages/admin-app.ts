/**
 * Page object of the web admin's frame: sign-in, the tab bar, screenshots. Role-based locators only.
 */
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { KeysPage } from './keys-page';
import { RequestsPage } from './requests-page';
import { SettingsPage } from './settings-page';
import { StatusPage } from './status-page';
import { UsagePage } from './usage-page';
import { UsersPage } from './users-page';

export type TabName = 'Status' | 'Users' | 'API Keys' | 'Usage' | 'Requests' | 'Settings';

export class AdminApp {
  readonly status: StatusPage;
  readonly users: UsersPage;
  readonly keys: KeysPage;
  readonly usage: UsagePage;
  readonly requests: RequestsPage;
  readonly settings: SettingsPage;

  constructor(
    readonly page: Page,
    readonly adminUrl: string,
    private readonly artifactsDir: string,
  ) {
    const panel = page.getByRole('tabpanel');
    this.status = new StatusPage(page, panel);
    this.users = new UsersPage(page, panel);
    this.keys = new KeysPage(page, panel);
    this.usage = new UsagePage(page, panel);
    this.requests = new RequestsPage(page, panel);
    this.settings = new SettingsPage(page, panel);
  }

  /** Opens the web admin the way a person types it: `/admin`, no trailing slash. */
  async open(): Promise<void> {
    await this.page.goto(this.adminUrl.replace(/\/$/, ''));
  }

  get tokenField(): Locator {
    return this.page.getByLabel('Admin token');
  }

  async submitToken(token: string): Promise<void> {
    await this.tokenField.fill(token);
    await this.page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Opens the admin and signs in; resolves once the tabs are there. */
  async signIn(token: string): Promise<void> {
    await this.open();
    await this.submitToken(token);
    await this.tab('Status').waitFor();
  }

  tab(name: TabName): Locator {
    return this.page.getByRole('tab', { name, exact: true });
  }

  async openTab(name: TabName): Promise<void> {
    await this.tab(name).click();
  }

  /** A full-page screenshot into e2e/artifacts/<name>.png. */
  async screenshot(name: string): Promise<void> {
    // From the top, so the sticky tab bar sits where it belongs in a full-page capture.
    await this.page.evaluate('window.scrollTo(0, 0)');
    await this.page.screenshot({ path: join(this.artifactsDir, `${name}.png`), fullPage: true, animations: 'disabled' });
  }
}
