// The signed-in API key lives in this tab's sessionStorage only: never a cookie (nothing is sent
// without the console asking), never the URL (nothing leaks into history or referrers). Closing
// the tab or `Sign out` ends it.
import { useSyncExternalStore } from 'react';

const KEY = 'roboledger.apiKey';
const listeners = new Set<() => void>();

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(KEY, key);
  for (const listener of listeners) listener();
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The current key, re-rendering when this tab signs in or out. */
export function useApiKey(): string | null {
  return useSyncExternalStore(subscribe, apiKey);
}
