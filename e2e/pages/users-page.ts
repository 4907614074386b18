import { ListTabPage } from './tab-page';

/** The Users tab. */
export class UsersPage extends ListTabPage {
  async create(username: string, email?: string): Promise<void> {
    await this.panel.getByLabel('Username').fill(username);
    if (email !== undefined) await this.panel.getByLabel('Email').fill(email);
    await this.panel.getByRole('button', { name: 'Create user' }).click();
  }

  /** Deletes through the confirmation dialog. */
  async delete(username: string): Promise<void> {
    await this.panel.getByRole('button', { name: `Delete ${username}` }).click();
    await this.page.getByRole('alertdialog', { name: `Delete ${username}?` }).getByRole('button', { name: 'Delete user' }).click();
  }
}
