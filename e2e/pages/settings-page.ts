import type { Locator } from '@playwright/test';
import { TabPage } from './tab-page';

/** The Settings tab and its connection test. */
export class SettingsPage extends TabPage {
  field(label: string): Locator {
    return this.panel.getByLabel(label, { exact: true });
  }

  async addRoute(match: string, model: string, maxTokens = ''): Promise<void> {
    await this.panel.getByRole('button', { name: 'Add route' }).click();
    const n = await this.panel.getByLabel(/^Route \d+ match$/).count();
    await this.panel.getByLabel(`Route ${n} match`).fill(match);
    await this.panel.getByLabel(`Route ${n} backend model`).fill(model);
    if (maxTokens) await this.panel.getByLabel(`Route ${n} max tokens`).fill(maxTokens);
  }

  async save(): Promise<void> {
    await this.panel.getByRole('button', { name: 'Save settings' }).click();
  }

  get savedMessage(): Locator {
    return this.panel.getByRole('status').filter({ hasText: 'Settings saved.' });
  }

  async testConnection(): Promise<void> {
    await this.panel.getByRole('button', { name: 'Test connection' }).click();
  }

  get connectionReport(): Locator {
    return this.panel.getByLabel('Connection test result');
  }

  /** Adds a provider with "Add provider": a preset by its label (or `Custom…`), a name, a key and a base URL. */
  async addProvider(preset: string, opts: { name?: string; key?: string; baseUrl?: string } = {}): Promise<void> {
    const form = this.panel.getByRole('form', { name: 'Add provider' });
    await form.getByLabel('Preset', { exact: true }).selectOption({ label: preset });
    if (opts.name) await form.getByLabel('Provider name', { exact: true }).fill(opts.name);
    if (opts.key) await form.getByLabel('Provider API key', { exact: true }).fill(opts.key);
    if (opts.baseUrl) await form.getByLabel('Base URL', { exact: true }).fill(opts.baseUrl);
    await form.getByRole('button', { name: 'Add provider' }).click();
  }

  /** The provider's row in the providers list (name, kind, base URL, masked key). */
  providerRow(name: string): Locator {
    return this.panel.getByRole('table', { name: 'Providers', exact: true }).getByRole('row').filter({ hasText: name });
  }

  /** The provider's row in the health table. */
  providerHealth(name: string): Locator {
    return this.panel.getByRole('table', { name: 'Health', exact: true }).getByRole('row').filter({ hasText: name });
  }
}
