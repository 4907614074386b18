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
}
