/**
 * The ARIA tablist: each tab a link-like button to its hash route; Left/Right arrows (wrapping), Home
 * and End move between tabs and select them; only the selected tab is in the Tab order.
 */
import { useRef } from 'react';
import type { KeyboardEvent } from 'react';
import { TABS, tabForKey } from '../lib/hash-route';
import type { TabId } from '../lib/hash-route';

export const tabId = (id: TabId) => `tab-${id}`;
export const panelId = (id: TabId) => `panel-${id}`;

export function TabBar({ current, onSelect }: { current: TabId; onSelect: (tab: TabId) => void }) {
  const refs = useRef(new Map<TabId, HTMLButtonElement>());
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const next = tabForKey(current, event.key);
    if (!next) return;
    event.preventDefault();
    onSelect(next);
    refs.current.get(next)?.focus();
  };
  return (
    <div className="tabbar" role="tablist" aria-label="Sections" onKeyDown={onKeyDown}>
      {TABS.map((tab) => {
        const selected = tab.id === current;
        return (
          <button
            key={tab.id}
            ref={(el) => {
              if (el) refs.current.set(tab.id, el);
              else refs.current.delete(tab.id);
            }}
            type="button"
            role="tab"
            id={tabId(tab.id)}
            aria-selected={selected}
            aria-controls={selected ? panelId(tab.id) : undefined}
            tabIndex={selected ? 0 : -1}
            className="tab"
            onClick={() => onSelect(tab.id)}
          >
            {tab.label}
          </button>
        );
      })}
    </div>
  );
}
