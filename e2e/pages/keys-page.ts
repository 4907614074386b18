import type { Locator } from '@playwright/test';
import { ListTabPage } from './tab-page';

/** The API Keys tab, its one-time key dialog and the limits editor. */
export class KeysPage extends ListTabPage {
  /** Fills the new-key form and submits it; the dialog with the key opens. */
  async create(username: string, keyName: string): Promise<void> {
    await this.panel.getByLabel('User', { exact: true }).selectOption({ label: username });
    await this.panel.getByLabel('Key name').fill(keyName);
    await this.panel.getByRole('button', { name: 'Create key' }).click();
  }

  get newKeyDialog(): Locator {
    return this.page.getByRole('alertdialog', { name: 'Your new API key' });
  }

  get newKeyText(): Locator {
    return this.newKeyDialog.getByLabel('New API key');
  }

  async closeNewKeyDialog(): Promise<void> {
    await this.newKeyDialog.getByRole('button', { name: 'I have saved it' }).click();
  }

  async filterByUser(label: string): Promise<void> {
    await this.panel.getByLabel('Filter by user').selectOption({ label });
  }

  async setLimits(keyName: string, limits: Partial<Record<'Requests per minute' | 'Concurrent streams' | 'Tokens per day' | 'Tokens per month', string>>): Promise<void> {
    await this.panel.getByRole('button', { name: `Edit limits of ${keyName}` }).click();
    const form = this.panel.getByRole('form', { name: `Limits of ${keyName}` });
    for (const [label, value] of Object.entries(limits)) await form.getByLabel(label).fill(value);
    await form.getByRole('button', { name: 'Save limits' }).click();
  }

  async revoke(keyName: string): Promise<void> {
    await this.panel.getByRole('button', { name: `Revoke ${keyName}` }).click();
    await this.page.getByRole('alertdialog', { name: `Revoke ${keyName}?` }).getByRole('button', { name: 'Revoke key' }).click();
  }
}
