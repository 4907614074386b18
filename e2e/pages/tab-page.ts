import type { Locator, Page } from '@playwright/test';

/** What every tab's page object starts from: the page and the tab panel its locators are found in. */
export class TabPage {
  constructor(
    readonly page: Page,
    readonly panel: Locator,
  ) {}
}

/** A tab that lists things in one table, each row named by its row header (Users, API Keys). */
export class ListTabPage extends TabPage {
  get table(): Locator {
    return this.panel.getByRole('table');
  }

  /** The row whose row header is exactly `name`. */
  row(name: string): Locator {
    return this.table.getByRole('row').filter({ has: this.page.getByRole('rowheader', { name, exact: true }) });
  }
}
