import type { Locator, Page } from '@playwright/test';

/** The Users tab. */
export class UsersPage {
  constructor(
    readonly page: Page,
    readonly panel: Locator,
  ) {}

  async create(username: string, email?: string): Promise<void> {
    await this.panel.getByLabel('Username').fill(username);
    if (email !== undefined) await this.panel.getByLabel('Email').fill(email);
    await this.panel.getByRole('button', { name: 'Create user' }).click();
  }

  get table(): Locator {
    return this.panel.getByRole('table');
  }

  row(username: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name: username, exact: true }) });
  }

  /** Deletes through the confirmation dialog. */
  async delete(username: string): Promise<void> {
    await this.panel.getByRole('button', { name: `Delete ${username}` }).click();
    await this.page.getByRole('alertdialog', { name: `Delete ${username}?` }).getByRole('button', { name: 'Delete user' }).click();
  }
}
